// The console's only way to the daemon: the endpoints of docs/api.md and its SSE stream.

let csrf = null;

/** An error from the API, with its status and the daemon's sentence (`{"error": …}`). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setCsrf(token) {
  csrf = token || null;
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET') {
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const message = data && typeof data === 'object' && data.error ? data.error : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);

const seg = encodeURIComponent;

export const api = {
  me: () => get('/api/v1/me'),
  login: (user, password) => post('/api/v1/login', { user, password }),
  logout: () => post('/api/v1/logout'),
  site: () => get('/api/v1/site'),
  equipment: () => get('/api/v1/equipment'),
  devices: () => get('/api/v1/devices'),
  alarms: () => get('/api/v1/alarms'),
  incidents: () => get('/api/v1/incidents'),
  incident: (id) => get(`/api/v1/incidents/${seg(id)}`),
  tickets: () => get('/api/v1/tickets'),
  ticket: (id) => get(`/api/v1/tickets/${seg(id)}`),
  roster: () => get('/api/v1/roster/now'),
  alarmAction: (alarm, action, body) =>
    post(`/api/v1/alarms/${seg(alarm.rule)}/${seg(alarm.equipment)}/${action}`, body),
  ticketStep: (id, body) => post(`/api/v1/tickets/${seg(id)}/steps`, body),
  ticketCheck: (id, item) => post(`/api/v1/tickets/${seg(id)}/checklist/${seg(item)}`),
};

/**
 * Follows the live stream. `handlers` has one function per event name (`point`, `alarm`,
 * `ticket`, `device`, `resync`) and `status(connected)`. EventSource reconnects by itself
 * and sends `Last-Event-ID`; the daemon answers a gap it cannot fill with `resync`.
 */
export function follow(handlers) {
  const source = new EventSource('/api/v1/events');
  for (const name of ['point', 'alarm', 'ticket', 'device', 'resync']) {
    source.addEventListener(name, (ev) => {
      let data = null;
      try {
        data = ev.data ? JSON.parse(ev.data) : null;
      } catch (e) {
        console.warn(`facmon: ${name} event is not JSON`, e);
        return;
      }
      handlers[name]?.(data);
    });
  }
  source.addEventListener('open', () => handlers.status?.(true));
  source.addEventListener('error', () => handlers.status?.(false));
  return source;
}

/** A time in unix ms from a record: `<key>_ms`, or `<key>` as ms or as serde's SystemTime. */
export function ms(record, key) {
  if (!record) return null;
  const v = record[`${key}_ms`] ?? record[key];
  if (v == null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && 'secs_since_epoch' in v) {
    return v.secs_since_epoch * 1000 + Math.floor((v.nanos_since_epoch || 0) / 1e6);
  }
  const parsed = Date.parse(v);
  return Number.isNaN(parsed) ? null : parsed;
}
