// The live plant: every building's equipment by system, each value with its quality.

import { h } from './dom.js';
import { t, has, name, pick, formatTime } from './i18n.js';

/** Which system each equipment kind belongs to, in display order. */
const SYSTEMS = [
  ['power', ['generator', 'transfer_switch', 'utility_feed', 'critical_room']],
  ['water', ['pump_set', 'tank', 'pump']],
  ['drainage', ['sump_pit', 'leak_sensor']],
  ['fire', ['fire_panel', 'fire_pump', 'fire_main', 'fan']],
];

/** Roles of booleans: the word set for their values and which value is bad (null: neither). */
const BOOLS = {
  running: ['running', null],
  fault: ['fault', true],
  output_ok: ['ok', null],
  control_fuse_ok: ['ok', false],
  mains_available: ['avail', false],
  available: ['avail', false],
  in_service: ['in_service', false],
  normal_supply_ok: ['ok', false],
  backup_supply_ok: ['ok', false],
  run_command: ['cmd', null],
  auto_mode: ['auto_mode', false],
  high_float: ['float', true],
  high_high_float: ['float', true],
  wet: ['wet', true],
  alarm: ['alarm', true],
  supervisory: ['supervisory', true],
};

/** Enum roles: the tone of each label (AUTO is the only green on a selector). */
const ENUM_TONES = {
  mode_selector: { AUTO: 'ok', MANUAL: 'bad', STOP: 'bad' },
  selector: { AUTO: 'ok', MANUAL: 'bad' },
  position: { MAINS: 'ok', GENERATOR: 'warn', OPEN: 'bad' },
};

/** What each kind shows first; the remaining roles follow in the API's order. */
const ORDER = {
  generator: ['mode_selector', 'running', 'output_voltage', 'output_frequency', 'output_ok', 'fault', 'control_fuse_ok', 'run_hours'],
  transfer_switch: ['mains_available', 'position', 'selector', 'control_fuse_ok'],
  utility_feed: ['available', 'in_service'],
  critical_room: ['normal_supply_ok', 'backup_supply_ok'],
  pump: ['running', 'fault', 'auto_mode', 'run_command'],
  sump_pit: ['high_float', 'high_high_float'],
  fire_panel: ['alarm', 'fault', 'supervisory'],
  fire_pump: ['running', 'fault', 'run_command'],
  fan: ['running', 'fault', 'run_command'],
};

/** Roles drawn as a gauge instead of a row, with their limits' names and the full scale. */
const GAUGES = {
  'generator.fuel_level_pct': { limits: ['fuel_critical_pct', 'fuel_low_pct'], low: true, max: () => 100 },
  'tank.level': { limits: ['low_low', 'low'], low: true, max: () => 100 },
  'sump_pit.level': {
    limits: ['high', 'high_high'],
    low: false,
    max: (limits) => Math.max(2, (limits.high_high || 0) * 1.25),
  },
};

export function point(eq, role) {
  return (eq.points || []).find((p) => p.role === role);
}

function isGood(p) {
  return p && p.quality === 'good';
}

/** The label under a value that is not `good`: since when it has not been trusted. */
function qualityNote(p) {
  if (!p || p.value == null && !p.received_at_ms) return t('nodata');
  if (p.quality === 'good') return null;
  const since = formatTime(p.received_at_ms ?? p.changed_at_ms);
  return t(p.quality === 'bad' ? 'bad.since' : 'stale.since', { t: since });
}

function roleLabel(role) {
  return has(`role.${role}`) ? t(`role.${role}`) : role.replace(/_/g, ' ');
}

function formatNumber(v, unit) {
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)}${unit ? (unit === '%' ? '' : ' ') + unit : ''}`;
}

/** The text and tone of a point's value. */
export function describe(eq, p, limits = {}) {
  const v = p?.value;
  if (v == null) return { text: '—', tone: 'neutral' };
  if (typeof v === 'boolean') {
    const [words, bad] = BOOLS[p.role] || [null, null];
    const key = words ? `val.${words}.${v}` : `val.${v}`;
    let tone = 'neutral';
    if (bad !== null) tone = v === bad ? (p.role === 'auto_mode' ? 'warn' : 'bad') : 'ok';
    else if (v) tone = 'on';
    return { text: t(key), tone };
  }
  if (typeof v === 'object') {
    const label = v.label ?? String(v.code);
    const tone = ENUM_TONES[p.role]?.[label] ?? 'neutral';
    return { text: has(`enum.${label}`) ? t(`enum.${label}`) : label, tone };
  }
  if (typeof v === 'number') {
    let tone = 'neutral';
    if (p.role === 'pressure' && limits.low != null) tone = v < limits.low ? 'bad' : 'ok';
    if (p.role === 'discharge_pressure' && limits.pressure_low != null) tone = v < limits.pressure_low ? 'bad' : 'ok';
    return { text: formatNumber(v, p.unit), tone };
  }
  return { text: String(v), tone: 'neutral' };
}

function row(eq, p) {
  const { text, tone } = describe(eq, p, eq.limits || {});
  const note = qualityNote(p);
  return h(
    'div',
    { class: ['pt', `tone-${tone}`, !isGood(p) && 'stale'], dataset: { point: `${eq.id}.${p.role}` } },
    h('dt', {}, roleLabel(p.role)),
    h('dd', {}, h('span', { class: 'pt-value' }, text), note && h('span', { class: 'pt-note' }, note)),
  );
}

function gauge(eq, p, spec) {
  const limits = eq.limits || {};
  const max = spec.max(limits);
  const v = typeof p.value === 'number' ? p.value : null;
  const [first, second] = spec.limits;
  let tone = 'ok';
  if (v != null) {
    if (spec.low) {
      if (limits[first] != null && v <= limits[first]) tone = 'bad';
      else if (limits[second] != null && v <= limits[second]) tone = 'warn';
    } else if (limits[second] != null && v >= limits[second]) tone = 'bad';
    else if (limits[first] != null && v >= limits[first]) tone = 'warn';
  }
  const pct = v == null ? 0 : Math.max(0, Math.min(100, (v / max) * 100));
  const fill = h('div', { class: 'gauge-fill' });
  fill.style.height = `${pct}%`;
  const marks = spec.limits
    .filter((k) => limits[k] != null)
    .map((k) => {
      const m = h('div', { class: 'gauge-mark', title: `${t(`limit.${k}`)} ${formatNumber(limits[k], p.unit)}` });
      m.style.bottom = `${Math.min(100, (limits[k] / max) * 100)}%`;
      return m;
    });
  const { text } = describe(eq, p, limits);
  const note = qualityNote(p);
  const limitText = spec.limits
    .filter((k) => limits[k] != null)
    .map((k) => `${t(`limit.${k}`)} ${formatNumber(limits[k], p.unit)}`)
    .join(' · ');
  return h(
    'div',
    { class: ['gauge-row', `tone-${tone}`, !isGood(p) && 'stale'], dataset: { point: `${eq.id}.${p.role}` } },
    h(
      'div',
      {
        class: 'gauge',
        role: 'meter',
        'aria-label': `${name(eq.name)} ${roleLabel(p.role)}`,
        'aria-valuemin': 0,
        'aria-valuemax': max,
        'aria-valuenow': v ?? undefined,
        'aria-valuetext': text,
      },
      fill,
      marks,
    ),
    h(
      'div',
      { class: 'gauge-text' },
      h('span', { class: 'pt-label' }, roleLabel(p.role)),
      h('span', { class: 'pt-value big' }, text),
      limitText && h('span', { class: 'gauge-limits' }, limitText),
      note && h('span', { class: 'pt-note' }, note),
    ),
  );
}

function orderedPoints(eq) {
  const order = ORDER[eq.kind] || [];
  const points = [...(eq.points || [])];
  points.sort((a, b) => {
    const ia = order.indexOf(a.role);
    const ib = order.indexOf(b.role);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  return points;
}

/** The worst tone among an equipment's values (and its members'). */
function worst(eqs) {
  const rank = { bad: 3, warn: 2, stale: 1 };
  let best = 'ok';
  for (const eq of eqs) {
    for (const p of eq.points || []) {
      const tone = !isGood(p) ? 'stale' : describe(eq, p, eq.limits || {}).tone;
      if ((rank[tone] || 0) > (rank[best] || 0)) best = tone;
    }
  }
  return best;
}

function fireState(eq) {
  const on = (role) => point(eq, role)?.value === true;
  if (on('alarm')) return ['panel.fire', 'bad'];
  if (on('fault')) return ['panel.fault', 'bad'];
  if (on('supervisory')) return ['panel.supervisory', 'warn'];
  return ['panel.normal', 'ok'];
}

function pumpRow(pump, index) {
  const p = (role) => point(pump, role);
  const cells = ['running', 'fault', 'auto_mode']
    .map((role) => p(role))
    .filter(Boolean)
    .map((pt) => {
      const { text, tone } = describe(pump, pt);
      const note = qualityNote(pt);
      return h(
        'span',
        {
          class: ['chip', `tone-${tone}`, !isGood(pt) && 'stale'],
          dataset: { point: `${pump.id}.${pt.role}` },
          title: note || roleLabel(pt.role),
        },
        text,
      );
    });
  const anyStale = (pump.points || []).find((pt) => !isGood(pt));
  return h(
    'li',
    { class: 'pump', dataset: { equipment: pump.id } },
    h('span', { class: ['duty', index === 0 ? 'is-duty' : 'is-standby'] }, t(index === 0 ? 'pump.duty' : 'pump.standby')),
    h('span', { class: 'pump-name' }, name(pump.name)),
    h('span', { class: 'chips' }, cells),
    anyStale && h('span', { class: 'pt-note' }, qualityNote(anyStale)),
  );
}

function card(eq, members, alarmed) {
  const body = [];
  if (eq.kind === 'fire_panel') {
    const [key, tone] = fireState(eq);
    const stale = (eq.points || []).some((p) => !isGood(p));
    body.push(h('p', { class: ['panel-state', `tone-${tone}`, stale && 'stale'] }, t(key)));
  }
  const rows = [];
  const gauges = [];
  for (const p of orderedPoints(eq)) {
    const spec = GAUGES[`${eq.kind}.${p.role}`];
    if (spec) gauges.push(gauge(eq, p, spec));
    else rows.push(row(eq, p));
  }
  const list = rows.length > 0 && h('dl', { class: 'points' }, rows);
  // A generator's mode comes first (AUTO or not is the question in an outage); a tank or a
  // pit is its level.
  if (eq.kind === 'generator') body.push(list, gauges);
  else body.push(gauges, list);
  if (members.length) {
    body.push(
      h('h4', { class: 'sub' }, t('pump.pumps')),
      h('ul', { class: 'pumps' }, members.map((m, i) => pumpRow(m, i))),
    );
  }
  const tone = alarmed ? 'alarm' : worst([eq, ...members]);
  return h(
    'article',
    { class: ['card', `kind-${eq.kind}`, `status-${tone}`], dataset: { equipment: eq.id }, 'aria-label': name(eq.name) },
    h('h3', {}, h('span', { class: 'dot', 'aria-hidden': 'true' }), name(eq.name)),
    body,
  );
}

/** The plant page: an alarm strip, then each building's systems. */
export function renderPlant(state) {
  const all = [...state.equipment.values()];
  const byId = new Map(all.map((e) => [e.id, e]));
  const memberIds = new Set(all.flatMap((e) => e.pumps || []).filter((id) => byId.has(id)));
  const alarmedEq = new Set([...state.alarms.values()].filter((a) => a.active).map((a) => a.equipment));
  const active = [...state.alarms.values()].filter((a) => a.active && a.state !== 'shelved' && a.state !== 'suppressed');

  const strip = h(
    'section',
    { class: ['alarm-strip', active.length ? 'has-alarms' : 'calm'], 'aria-live': 'polite', id: 'plant-alarms' },
    active.length
      ? [
          h('a', { href: '#/alarms', class: 'strip-count' }, t('plant.alarms.count', { n: active.length })),
          h(
            'ul',
            {},
            active.slice(0, 6).map((a) =>
              h(
                'li',
                { class: [`sev-${a.severity}`, `state-${a.state}`], dataset: { alarm: `${a.rule}/${a.equipment}` } },
                a.severity && h('span', { class: 'sev' }, t(`sev.${a.severity}`)),
                ` ${a.rule} `,
                pick(a.message),
              ),
            ),
          ),
        ]
      : t('plant.alarms.none'),
  );

  const buildings = state.site?.buildings?.length ? state.site.buildings : [{ id: null, name: '' }];
  const sections = buildings.map((b) => {
    const here = all.filter((e) => b.id == null || e.building === b.id);
    const placed = new Set();
    const systems = SYSTEMS.map(([sys, kinds]) => {
      const eqs = here.filter((e) => kinds.includes(e.kind) && !memberIds.has(e.id));
      eqs.forEach((e) => placed.add(e.id));
      return [sys, eqs];
    });
    const rest = here.filter((e) => !placed.has(e.id) && !memberIds.has(e.id));
    if (rest.length) systems.push(['other', rest]);
    return h(
      'section',
      { class: 'building', 'aria-labelledby': `b-${b.id}` },
      b.name && h('h2', { id: `b-${b.id}` }, b.name),
      h(
        'div',
        { class: 'systems' },
        systems
          .filter(([, eqs]) => eqs.length)
          .map(([sys, eqs]) =>
            h(
              'section',
              { class: ['system', `system-${sys}`] },
              h('h3', { class: 'system-title' }, t(`system.${sys}`)),
              h(
                'div',
                { class: 'cards' },
                eqs.map((e) => {
                  const members = (e.pumps || []).map((id) => byId.get(id)).filter(Boolean);
                  const alarmed = alarmedEq.has(e.id) || members.some((m) => alarmedEq.has(m.id));
                  return card(e, members, alarmed);
                }),
              ),
            ),
          ),
      ),
    );
  });

  const devices = [...state.devices.values()];
  const comms =
    devices.length > 0 &&
    h(
      'section',
      { class: 'system system-comms' },
      h('h3', { class: 'system-title' }, t('system.comms')),
      h(
        'ul',
        { class: 'devices' },
        devices.map((d) =>
          h(
            'li',
            { class: ['device', d.online ? 'tone-ok' : 'tone-bad'], dataset: { device: d.id } },
            h('span', { class: 'dot', 'aria-hidden': 'true' }),
            `${d.id} `,
            h('span', { class: 'device-state' }, d.online ? t('device.online') : t('device.offline')),
            !d.online && d.since_ms && h('span', { class: 'pt-note' }, ` ${formatTime(d.since_ms)}`),
          ),
        ),
      ),
    );

  return [strip, sections, comms];
}
