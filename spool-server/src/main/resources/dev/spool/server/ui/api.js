// Every call the dashboard makes goes through call(): one place that adds the bearer token
// (kept in this tab's sessionStorage, never in localStorage or a cookie), parses the JSON reply
// and turns an error reply {"error":{code,message,field}} into an ApiError.

const TOKEN_KEY = 'spool.token';
// The API lives next to /ui/ (the page's parent path), so the dashboard also works behind a
// reverse proxy that mounts Spool under a prefix.
const BASE = new URL('..', document.baseURI);

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || 'HTTP ' + status);
    this.status = status;
    this.code = error.code || 'http_' + status;
    this.field = error.field || null;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) {
    headers.Authorization = 'Bearer ' + t;
  }
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(new URL(path.replace(/^\//, ''), BASE), init);
  const text = await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!resp.ok) {
    const err = new ApiError(resp.status, (data && data.error) || { message: text || resp.statusText });
    if (resp.status === 401 || resp.status === 403) {
      window.dispatchEvent(new CustomEvent('spool-auth', { detail: err }));
    }
    throw err;
  }
  return data;
}

const q = (name) => '/v1/queues/' + encodeURIComponent(name);

export const api = {
  status: () => call('GET', '/v1/status'),
  ready: () => call('GET', '/readyz'),
  queues: () => call('GET', '/v1/queues'),
  queue: (name) => call('GET', q(name)),
  putQueue: (name, config) => call('PUT', q(name), config),
  deleteQueue: (name) => call('DELETE', q(name)),
  purge: (name) => call('POST', q(name) + '/purge', {}),
  redrive: (name, group, ids) => call('POST', q(name) + '/redrive', ids ? { group, ids } : { group }),
  browse: (name, params) => call('GET', q(name) + '/messages?' + new URLSearchParams(params)),
  task: (name, id, group) => call('GET', q(name) + '/messages/' + encodeURIComponent(id)
    + '?' + new URLSearchParams({ group })),
  putGroup: (name, group, start) => call('PUT', q(name) + '/groups/' + encodeURIComponent(group), { start }),
  deleteGroup: (name, group) => call('DELETE', q(name) + '/groups/' + encodeURIComponent(group)),
  locks: () => call('GET', '/v1/locks'),
};
