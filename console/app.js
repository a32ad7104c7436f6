// The console: signs in, loads the lists, follows the live stream and routes by hash
// (#/plant, #/alarms, #/incidents[/N], #/tickets[/N], #/roster).

import { api, follow, setCsrf, ApiError } from './api.js';
import { h, fill } from './dom.js';
import { t, setLang, lang, normalize } from './i18n.js';
import { renderPlant } from './plant.js';
import { renderAlarms, renderIncidents, renderIncident, renderTickets, renderTicket, renderRoster } from './views.js';

const LANG_KEY = 'facmon.lang';

const state = {
  me: null,
  canOperate: false,
  site: null,
  equipment: new Map(),
  devices: new Map(),
  alarms: new Map(),
  incidents: [],
  tickets: new Map(),
  roster: [],
  showNormal: false,
  /** The incident or ticket shown on a detail route. */
  detail: null,
  live: false,
};

let source = null;
const main = document.getElementById('main');
const flash = document.getElementById('flash');

const alarmKey = (a) => `${a.rule}/${a.equipment}`;

function showError(e) {
  if (e instanceof ApiError && e.status === 401) return showLogin();
  flash.textContent = `${t('error.generic')}: ${e.message}`;
  flash.hidden = false;
}

function clearError() {
  flash.hidden = true;
  flash.textContent = '';
}

// ------------------------------------------------------------------ loading

async function loadAlarms() {
  const list = await api.alarms();
  state.alarms = new Map(list.map((a) => [alarmKey(a), a]));
}

async function loadTickets() {
  const list = await api.tickets();
  state.tickets = new Map(list.map((tk) => [String(tk.id), tk]));
}

/** Every list the console shows (at sign-in and on `resync`). */
async function loadAll() {
  const [site, equipment, devices, incidents, roster] = await Promise.all([
    api.site(),
    api.equipment(),
    api.devices().catch(() => []),
    api.incidents().catch(() => []),
    api.roster().catch(() => []),
    loadAlarms(),
    loadTickets(),
  ]);
  state.site = site;
  state.equipment = new Map(equipment.map((e) => [e.id, e]));
  state.devices = new Map(devices.map((d) => [d.id, d]));
  state.incidents = incidents;
  state.roster = roster;
}

// ------------------------------------------------------------------ live stream

const onEvent = {
  point(ev) {
    const eq = state.equipment.get(ev.equipment);
    if (!eq) return;
    eq.points = eq.points || [];
    let p = eq.points.find((x) => x.role === ev.role);
    if (!p) {
      p = { role: ev.role };
      eq.points.push(p);
    }
    Object.assign(p, {
      value: ev.value,
      quality: ev.quality,
      changed_at_ms: ev.changed_at_ms ?? p.changed_at_ms,
    });
    if (ev.received_at_ms != null) p.received_at_ms = ev.received_at_ms;
    else if (ev.quality === 'good') p.received_at_ms = ev.changed_at_ms ?? Date.now();
    schedule('plant');
  },
  device(ev) {
    state.devices.set(ev.id, ev);
    schedule('plant');
  },
  alarm(ev) {
    if (ev.alarm) state.alarms.set(alarmKey(ev.alarm), ev.alarm);
    const incident = ev.incident ?? ev.alarm?.incident;
    const known = state.incidents.some((i) => String(i.id) === String(incident));
    if (String(ev.kind).startsWith('incident') || (incident != null && !known)) {
      api.incidents().then((list) => {
        state.incidents = list;
        schedule('incidents');
      }, showError);
    }
    if (state.detail?.type === 'incident' && String(state.detail.data?.id) === String(incident)) {
      api.incident(incident).then((full) => {
        state.detail = { type: 'incident', data: full };
        schedule('incident');
      }, showError);
    }
    schedule('plant', 'alarms');
  },
  ticket(ev) {
    const tk = ev.ticket;
    if (!tk) return;
    state.tickets.set(String(tk.id), tk);
    if (state.detail?.type === 'ticket' && String(state.detail.data?.id) === String(tk.id)) {
      api.ticket(tk.id).then((full) => {
        state.detail = { type: 'ticket', data: full };
        schedule('ticket');
      }, showError);
    }
    schedule('tickets');
  },
  async resync() {
    try {
      await loadAll();
      schedule('all');
    } catch (e) {
      showError(e);
    }
  },
  status(connected) {
    state.live = connected;
    renderHeader();
  },
};

// ------------------------------------------------------------------ operator actions

const act = {
  async alarm(alarm, action, body) {
    try {
      await api.alarmAction(alarm, action, body);
      clearError();
      leaveForm();
      await loadAlarms();
      schedule('alarms', 'plant');
    } catch (e) {
      showError(e);
    }
  },
  async step(ticket, body) {
    try {
      await api.ticketStep(ticket.id, body);
      clearError();
      leaveForm();
      await loadTickets();
      if (state.detail?.type === 'ticket') state.detail.data = await api.ticket(ticket.id);
      schedule('tickets', 'ticket');
    } catch (e) {
      showError(e);
    }
  },
  async check(ticket, item) {
    try {
      await api.ticketCheck(ticket.id, item);
      state.detail = { type: 'ticket', data: await api.ticket(ticket.id) };
      schedule('ticket');
    } catch (e) {
      showError(e);
    }
  },
  showNormal(on) {
    state.showNormal = on;
    render();
  },
};

// ------------------------------------------------------------------ rendering

function route() {
  const [, page = 'plant', id] = (location.hash || '#/plant').split('/');
  return { page: page || 'plant', id };
}

let pending = null;
/** A render skipped while someone was filling in a form; done when they leave it. */
let deferred = false;

/** Renders on the next frame when the current page shows any of `pages`; a burst of events
 * is one render. A form being filled in is not replaced: the render waits for it. */
function schedule(...pages) {
  renderHeader();
  const { page, id } = route();
  const shown = id && page === 'tickets' ? 'ticket' : id && page === 'incidents' ? 'incident' : page;
  if (!pages.includes('all') && !pages.includes(shown)) return;
  if (pending) return;
  pending = requestAnimationFrame(() => {
    pending = null;
    if (busy()) deferred = true;
    else render();
  });
}

/** Focus is in a form of the page (not the login form, which nothing re-renders). */
function busy() {
  const el = document.activeElement;
  return Boolean(el && main.contains(el) && el.type !== 'checkbox' && el.closest('form'));
}

main.addEventListener('focusout', () =>
  setTimeout(() => {
    if (deferred && !busy()) render();
  }, 0),
);

/** After an action succeeded its form is done: let the next render replace it. */
function leaveForm() {
  if (busy()) document.activeElement.blur();
}

function render() {
  deferred = false;
  if (!state.me) return;
  const { page, id } = route();
  let content;
  switch (page) {
    case 'alarms':
      content = renderAlarms(state, act);
      break;
    case 'incidents':
      content = id ? renderIncident(state, state.detail?.type === 'incident' ? state.detail.data : null) : renderIncidents(state, act);
      break;
    case 'tickets':
      content = id ? renderTicket(state, state.detail?.type === 'ticket' ? state.detail.data : null, act) : renderTickets(state, act);
      break;
    case 'roster':
      content = renderRoster(state);
      break;
    default:
      content = renderPlant(state);
  }
  main.dataset.page = page;
  fill(main, content);
  renderHeader();
}

function applyStatic() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  document.title = state.site ? `${state.site.name} · ${t('app.title')}` : t('app.title');
}

function renderHeader() {
  applyStatic();
  const { page } = route();
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const unacked = [...state.alarms.values()].filter(
    (a) => a.state === 'unacknowledged' || a.state === 'returned_unacknowledged',
  ).length;
  const badge = document.getElementById('alarm-badge');
  badge.textContent = unacked ? String(unacked) : '';
  badge.hidden = !unacked;
  const live = document.getElementById('live');
  live.textContent = t(state.live ? 'live.connected' : 'live.reconnecting');
  live.className = state.live ? 'live on' : 'live off';
  document.getElementById('site-name').textContent = state.site?.name ?? '';
  document.getElementById('who').textContent = state.me ? `${state.me.user} (${state.me.role})` : '';
  document.getElementById('lang-switch').setAttribute('aria-label', t('lang.switch.label'));
  document.body.classList.toggle('signed-in', Boolean(state.me));
}

async function onRoute() {
  const { page, id } = route();
  state.detail = null;
  render();
  if (!id) return;
  try {
    if (page === 'incidents') state.detail = { type: 'incident', data: await api.incident(id) };
    if (page === 'tickets') state.detail = { type: 'ticket', data: await api.ticket(id) };
    render();
  } catch (e) {
    showError(e);
  }
}

// ------------------------------------------------------------------ sign-in

function showLogin() {
  state.me = null;
  source?.close();
  source = null;
  document.body.classList.remove('signed-in');
  const user = h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error', hidden: true });
  const form = h(
    'form',
    { class: 'login', id: 'login-form' },
    h('h2', {}, t('login.title')),
    h('label', { for: 'login-user' }, t('login.user')),
    user,
    h('label', { for: 'login-password' }, t('login.password')),
    password,
    h('button', { type: 'submit' }, t('login.submit')),
    error,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const me = await api.login(user.value.trim(), password.value);
      await start(me);
    } catch (e) {
      error.textContent = `${t('login.failed')}: ${e.message}`;
      error.hidden = false;
    }
  });
  renderHeader();
  fill(main, form);
  main.dataset.page = 'login';
  user.focus();
}

async function start(me) {
  state.me = me;
  state.canOperate = me.role === 'operator' || me.role === 'admin';
  setCsrf(me.csrf);
  await loadAll();
  if (!localStorage.getItem(LANG_KEY)) setLang(normalize(state.site?.language));
  source?.close();
  source = follow(onEvent);
  clearError();
  await onRoute();
}

async function boot() {
  const saved = localStorage.getItem(LANG_KEY);
  setLang(saved || 'zh');
  document.getElementById('lang-switch').addEventListener('click', () => {
    const next = lang() === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG_KEY, next);
    setLang(next);
    if (state.me) render();
    else showLogin();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await api.logout();
    } catch {
      // Signed out already: the login form is what the user wants either way.
    }
    showLogin();
  });
  window.addEventListener('hashchange', onRoute);
  try {
    const me = await api.me();
    if (!saved) {
      // Before sign-in the site's language is unknown to a viewer; after it, the site decides.
      const site = await api.site().catch(() => null);
      if (site) setLang(normalize(site.language));
    }
    await start(me);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) showLogin();
    else showError(e);
  }
}

// Due times turn into "overdue" with nobody touching the board: look again twice a minute.
setInterval(() => state.me && schedule('tickets', 'ticket'), 30_000);

boot();
