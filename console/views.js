// Alarms, incidents, tickets and the roster. Each view is a function of the state and an
// `act` object that performs operator actions (see app.js).

import { h } from './dom.js';
import { t, pick, name, formatTime, kind } from './i18n.js';
import { ms } from './api.js';

const SEVERITY_RANK = { escalation: 5, critical: 4, major: 3, warning: 2, info: 1 };

/** Active first, then by severity, then the newest. */
export function sortAlarms(alarms) {
  return [...alarms].sort(
    (a, b) =>
      (b.active ? 1 : 0) - (a.active ? 1 : 0) ||
      (SEVERITY_RANK[b.severity] || 0) - (SEVERITY_RANK[a.severity] || 0) ||
      (b.raised_at_ms || 0) - (a.raised_at_ms || 0),
  );
}

function equipmentName(state, id) {
  const eq = state.equipment.get(id);
  return eq ? name(eq.name) : id;
}

function shelveForm(alarm, act) {
  const minutes = h(
    'select',
    { name: 'minutes', id: `shelve-min-${alarm.rule}-${alarm.equipment}` },
    [15, 30, 60, 120, 480].map((m) => h('option', { value: m }, String(m))),
  );
  const reason = h('input', { name: 'reason', required: true, id: `shelve-why-${alarm.rule}-${alarm.equipment}` });
  const form = h(
    'form',
    { class: 'inline-form', hidden: true },
    h('label', { for: minutes.id }, t('alarms.shelve.minutes')),
    minutes,
    h('label', { for: reason.id }, t('alarms.shelve.reason')),
    reason,
    h('button', { type: 'submit' }, t('alarms.shelve.confirm')),
    h('button', { type: 'button', class: 'secondary', onclick: () => (form.hidden = true) }, t('alarms.shelve.cancel')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act.alarm(alarm, 'shelve', { minutes: Number(minutes.value), reason: reason.value.trim() });
  });
  return form;
}

function alarmCard(state, a, act) {
  const operator = state.canOperate;
  const buttons = [];
  let form = null;
  if (operator) {
    if (a.state === 'unacknowledged' || a.state === 'returned_unacknowledged' || (a.active && !a.acknowledged)) {
      buttons.push(h('button', { class: 'ack', onclick: () => act.alarm(a, 'acknowledge', {}) }, t('alarms.acknowledge')));
    }
    if (a.state === 'shelved' || a.shelved_until_ms) {
      buttons.push(h('button', { class: 'secondary', onclick: () => act.alarm(a, 'unshelve') }, t('alarms.unshelve')));
    } else if (a.active) {
      form = shelveForm(a, act);
      buttons.push(
        h(
          'button',
          {
            class: 'secondary',
            'aria-expanded': 'false',
            onclick: (ev) => {
              form.hidden = !form.hidden;
              ev.currentTarget.setAttribute('aria-expanded', String(!form.hidden));
              if (!form.hidden) form.querySelector('input').focus();
            },
          },
          t('alarms.shelve'),
        ),
      );
    }
    if (a.latch_waiting_reset) {
      buttons.push(h('button', { class: 'secondary', onclick: () => act.alarm(a, 'reset') }, t('alarms.reset')));
    }
  }
  const facts = [
    a.raised_at_ms && `${t('alarms.raised')} ${formatTime(a.raised_at_ms)}`,
    a.cleared_at_ms && `${t('alarms.cleared')} ${formatTime(a.cleared_at_ms)}`,
    a.acknowledged_by && t('alarms.acked_by', { who: a.acknowledged_by, t: formatTime(a.acknowledged_at_ms) }),
    a.shelved_until_ms && t('alarms.shelved_until', { t: formatTime(a.shelved_until_ms) }),
    a.suppressed_by &&
      t('alarms.suppressed_by', {
        k: typeof a.suppressed_by === 'object' ? `${a.suppressed_by.rule} ${a.suppressed_by.equipment}` : a.suppressed_by,
      }),
    a.chattering && t('alarms.chattering'),
    a.latch_waiting_reset && t('alarms.latched'),
    a.incident != null && h('a', { href: `#/incidents/${a.incident}` }, t('alarms.incident', { n: a.incident })),
  ].filter(Boolean);
  return h(
    'article',
    {
      class: ['alarm', `sev-${a.severity}`, `state-${a.state}`, a.active ? 'is-active' : 'is-inactive'],
      dataset: { alarm: `${a.rule}/${a.equipment}` },
    },
    h(
      'header',
      {},
      a.severity && h('span', { class: 'sev' }, t(`sev.${a.severity}`)),
      h('span', { class: 'rule' }, a.rule),
      h('span', { class: 'eq' }, equipmentName(state, a.equipment)),
      h('span', { class: 'state' }, t(`state.${a.state}`)),
    ),
    h('p', { class: 'message' }, pick(a.message)),
    a.unknown && h('p', { class: 'unknown' }, `${t('alarms.unknown')}: ${pick(a.unknown)}`),
    a.diagnosis && h('p', { class: 'diagnosis' }, h('strong', {}, `${t('alarms.diagnosis')}: `), pick(a.diagnosis)),
    a.action && h('p', { class: 'action' }, h('strong', {}, `${t('alarms.action')}: `), pick(a.action)),
    facts.length > 0 && h('p', { class: 'facts' }, facts.flatMap((f, i) => (i ? [' · ', f] : [f]))),
    buttons.length > 0 && h('div', { class: 'buttons' }, buttons),
    form,
  );
}

export function renderAlarms(state, act) {
  const all = sortAlarms(state.alarms.values());
  const shown = state.showNormal ? all : all.filter((a) => a.state !== 'normal');
  const toggle = h('input', {
    type: 'checkbox',
    id: 'show-normal',
    checked: state.showNormal,
    onchange: (ev) => act.showNormal(ev.currentTarget.checked),
  });
  return [
    h('h2', {}, t('alarms.title')),
    h('p', { class: 'filters' }, toggle, h('label', { for: 'show-normal' }, t('alarms.show_normal'))),
    shown.length
      ? h('div', { class: 'alarm-list', id: 'alarm-list' }, shown.map((a) => alarmCard(state, a, act)))
      : h('p', { class: 'empty' }, t('alarms.none')),
  ];
}

function familyOf(inc) {
  return inc.class?.family ?? inc.family ?? 'other';
}

export function renderIncidents(state, act) {
  const list = [...state.incidents].sort((a, b) => (ms(b, 'opened_at') || 0) - (ms(a, 'opened_at') || 0));
  return [
    h('h2', {}, t('incidents.title')),
    list.length
      ? h(
          'ol',
          { class: 'incident-list' },
          list.map((inc) => {
            const closed = ms(inc, 'closed_at');
            return h(
              'li',
              { class: ['incident', closed ? 'is-closed' : 'is-open'] },
              h('a', { href: `#/incidents/${inc.id}` }, `#${inc.id} ${t(`family.${familyOf(inc)}`)}`),
              ' ',
              h('span', { class: 'when' }, t('incidents.opened', { t: formatTime(ms(inc, 'opened_at')) })),
              ' · ',
              h('span', { class: 'status' }, closed ? t('incidents.closed', { t: formatTime(closed) }) : t('incidents.open')),
              inc.alarms?.length
                ? h(
                    'span',
                    { class: 'members' },
                    ' · ',
                    inc.alarms.map((k) => `${k.rule} ${equipmentName(state, k.equipment)}`).join(', '),
                  )
                : null,
            );
          }),
        )
      : h('p', { class: 'empty' }, t('incidents.none')),
  ];
}

export function renderIncident(state, inc) {
  if (!inc) return h('p', {}, t('loading'));
  const rows = inc.timeline || inc.journal || [];
  return [
    h('p', {}, h('a', { href: '#/incidents' }, `← ${t('incidents.back')}`)),
    h('h2', {}, `#${inc.id} ${t(`family.${familyOf(inc)}`)}`),
    h('p', {}, t('incidents.opened', { t: formatTime(ms(inc, 'opened_at')) })),
    h('h3', {}, t('incidents.timeline')),
    h(
      'ol',
      { class: 'timeline' },
      rows.map((r) =>
        h(
          'li',
          { class: r.severity ? `sev-${r.severity}` : null },
          h('time', {}, formatTime(ms(r, 'at'))),
          ` ${r.rule} · ${equipmentName(state, r.equipment)} · ${kind(r.kind)}`,
          r.state ? ` → ${t(`state.${r.state}`)}` : '',
          r.actor ? ` (${r.actor})` : '',
        ),
      ),
    ),
  ];
}

const BOARD = ['open', 'assigned', 'acknowledged', 'on_site', 'resolved'];
const LIFECYCLE = ['open', 'assigned', 'acknowledged', 'on_site', 'resolved', 'closed'];

/** The buttons a ticket offers now: the lifecycle's next step first, then reassigning and
 * cancelling. (The desk also accepts later steps, skipping ahead; the detail page is where an
 * engineer would do that, not the wall.) */
export function nextSteps(ticket) {
  const next = {
    open: 'assign',
    assigned: 'acknowledge',
    acknowledged: 'on_site',
    on_site: 'resolve',
    resolved: 'follow_up',
  }[ticket.state];
  if (!next) return [];
  const steps = [next];
  if (next !== 'assign' && LIFECYCLE.indexOf(ticket.state) < LIFECYCLE.indexOf('resolved')) steps.push('assign');
  steps.push('cancel');
  return steps;
}

function stepControls(state, ticket, act) {
  if (!state.canOperate) return null;
  const people = state.roster.flatMap((r) => r.people || []).map((p) => p.name);
  const form = h('form', { class: 'inline-form', hidden: true });
  const buttons = nextSteps(ticket).map((step, i) =>
    h(
      'button',
      {
        class: i === 0 ? null : step === 'cancel' ? 'secondary danger' : 'secondary',
        dataset: { step },
        onclick: () => {
          if (step !== 'assign' && step !== 'cancel') return act.step(ticket, { step });
          const field = step === 'assign' ? 'to' : 'reason';
          const id = `t-${ticket.id}-${field}`;
          const input = h('input', { id, name: field, required: true, list: step === 'assign' ? 'people' : null });
          form.replaceChildren(
            h('label', { for: id }, t(step === 'assign' ? 'tickets.to' : 'tickets.reason')),
            input,
            h('button', { type: 'submit' }, t('tickets.go')),
          );
          form.onsubmit = (ev) => {
            ev.preventDefault();
            act.step(ticket, { step, [field]: input.value.trim() });
          };
          form.hidden = false;
          input.focus();
        },
      },
      t(`step.${step}`),
    ),
  );
  return [
    h('div', { class: 'buttons' }, buttons),
    form,
    h('datalist', { id: 'people' }, [...new Set(people)].map((p) => h('option', { value: p }))),
  ];
}

function dueLine(ticket, now) {
  const due = ms(ticket, 'on_site_due');
  if (!due || ms(ticket, 'on_site_at') || ['resolved', 'closed', 'cancelled'].includes(ticket.state)) return null;
  const late = due < now;
  return h('p', { class: ['due', late && 'overdue'] }, t(late ? 'tickets.overdue' : 'tickets.due', { t: formatTime(due) }));
}

function ticketCard(state, ticket, act) {
  return h(
    'article',
    { class: ['ticket', `prio-${ticket.priority}`], dataset: { ticket: ticket.id } },
    h(
      'header',
      {},
      h('a', { href: `#/tickets/${ticket.id}` }, `#${ticket.id}`),
      ' ',
      h('span', { class: 'prio' }, t(`prio.${ticket.priority}`)),
    ),
    h('p', { class: 'title' }, pick(ticket.title)),
    ticket.equipment && h('p', { class: 'eq' }, equipmentName(state, ticket.equipment)),
    h('p', { class: 'assignee' }, ticket.assignee ? t('tickets.assignee', { who: ticket.assignee }) : t('tickets.unassigned')),
    dueLine(ticket, Date.now()),
    stepControls(state, ticket, act),
  );
}

export function renderTickets(state, act) {
  const tickets = [...state.tickets.values()].filter((tk) => BOARD.includes(tk.state));
  if (!tickets.length) return [h('h2', {}, t('tickets.title')), h('p', { class: 'empty' }, t('tickets.none'))];
  return [
    h('h2', {}, t('tickets.title')),
    h(
      'div',
      { class: 'board' },
      BOARD.map((col) =>
        h(
          'section',
          { class: 'column', dataset: { state: col } },
          h('h3', {}, t(`tstate.${col}`), ' ', h('span', { class: 'count' }, String(tickets.filter((tk) => tk.state === col).length))),
          tickets
            .filter((tk) => tk.state === col)
            .sort((a, b) => (ms(a, 'on_site_due') || 0) - (ms(b, 'on_site_due') || 0))
            .map((tk) => ticketCard(state, tk, act)),
        ),
      ),
    ),
  ];
}

export function renderTicket(state, ticket, act) {
  if (!ticket) return h('p', {}, t('loading'));
  const checklist = ticket.checklist || [];
  return [
    h('p', {}, h('a', { href: '#/tickets' }, `← ${t('tickets.title')}`)),
    h('h2', {}, `#${ticket.id} ${pick(ticket.title)}`),
    h('p', {}, h('span', { class: `prio prio-${ticket.priority}` }, t(`prio.${ticket.priority}`)), ' · ', t(`tstate.${ticket.state}`)),
    dueLine(ticket, Date.now()),
    stepControls(state, ticket, act),
    checklist.length > 0 && h('h3', {}, t('tickets.checklist')),
    checklist.length > 0 &&
      h(
        'ol',
        { class: 'checklist' },
        checklist.map((item) => {
          const done = ms(item, 'done_at');
          return h(
            'li',
            { class: done ? 'done' : null },
            h('span', { class: 'rule' }, item.rule),
            ' ',
            pick(item.text),
            done
              ? h('span', { class: 'pt-note' }, ` ✓ ${item.done_by || ''} ${formatTime(done)}`)
              : state.canOperate &&
                  h('button', { class: 'secondary small', onclick: () => act.check(ticket, item.pos) }, t('tickets.check')),
          );
        }),
      ),
    h('h3', {}, t('incidents.timeline')),
    h(
      'ol',
      { class: 'timeline' },
      (ticket.timeline || []).map((e) =>
        h(
          'li',
          {},
          h('time', {}, formatTime(ms(e, 'at'))),
          ` ${kind(e.kind)}`,
          e.rule ? ` ${e.rule}` : '',
          e.actor ? ` (${e.actor})` : '',
          e.note ? `: ${e.note}` : '',
        ),
      ),
    ),
  ];
}

export function renderRoster(state) {
  return [
    h('h2', {}, t('roster.title')),
    state.roster.length === 0 && h('p', { class: 'empty' }, t('roster.empty')),
    h(
      'div',
      { class: 'roster' },
      state.roster.map((r) =>
        h(
          'article',
          { class: ['duty-role', !(r.people || []).length && 'nobody'] },
          h('h3', {}, pick({ zh: r.zh, en: r.en }) || r.role),
          (r.people || []).length
            ? h(
                'ul',
                {},
                r.people.map((p) =>
                  h('li', {}, h('span', { class: 'person' }, p.name), p.mobile && [' ', h('a', { href: `tel:${p.mobile}` }, p.mobile)]),
                ),
              )
            : h('p', { class: 'tone-bad' }, t('roster.nobody')),
          r.by && h('p', { class: 'pt-note' }, t('roster.by', { by: typeof r.by === 'string' ? r.by : JSON.stringify(r.by) })),
        ),
      ),
    ),
  ];
}
