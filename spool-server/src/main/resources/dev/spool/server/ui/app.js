// The dashboard shell: hash routing (#/ overview, #/q/<queue> a queue, #/locks), the refresh loop
// (one reading of the API every POLL_MS; an EventSource could not carry the bearer token), the
// server status header and the overview page.
import { api, token, setToken } from './api.js';
import { h, fmtCount, fmtAge, fmtBytes, fmtRate, sparkline, toast, RateHistory } from './views.js';

const fmtMs = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0)) + ' ms';
import { QueuePage } from './queue.js';

const POLL_MS = 2000;
const state = { history: new RateHistory(), status: null, queues: [], page: null, paused: false, locks: false };

const main = document.getElementById('main');

function route() {
  let hash;
  try {
    hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  } catch {
    hash = ''; // a malformed address shows the overview
  }
  if (state.page && state.page.close) {
    state.page.close();
  }
  main.replaceChildren();
  if (hash.startsWith('q/')) {
    state.page = new QueuePage(hash.slice(2), state, main);
  } else if (hash === 'locks') {
    state.page = new LocksPage(main);
  } else {
    state.page = new Overview(main);
  }
  document.querySelectorAll('.nav a').forEach((a) => a.classList.toggle('active', a.getAttribute('href') === '#/' + (hash.startsWith('q/') ? '' : hash)));
  tick();
}

let timer = null;
let running = false;

async function tick() {
  clearTimeout(timer);
  if (!running) {
    running = true;
    try {
      await refresh();
    } finally {
      running = false;
    }
  }
  if (!state.paused) {
    timer = setTimeout(tick, POLL_MS);
  }
}

async function refresh() {
  const live = document.getElementById('live');
  try {
    const [status, list] = await Promise.all([api.status(), api.queues()]);
    state.status = status;
    state.queues = list.queues;
    state.history.add(status);
    renderHeader(status);
    if (state.page) {
      await state.page.update();
    }
    live.className = 'live ok';
    live.title = 'Updated ' + new Date().toLocaleTimeString();
    document.getElementById('banner').hidden = true;
  } catch (e) {
    live.className = 'live bad';
    const banner = document.getElementById('banner');
    banner.hidden = false;
    banner.textContent = e.status === 401 || e.status === 403
      ? 'The server refused the request (' + e.status + '): set an API token.'
      : 'Cannot reach the server: ' + e.message;
  }
}

function renderHeader(s) {
  const ready = s.storage.ready;
  const pill = document.getElementById('health');
  pill.className = 'pill ' + (ready ? 'ok' : 'bad');
  pill.textContent = ready ? 'ready' : 'not ready';
  pill.title = s.storage.detail;
  document.getElementById('version').textContent = 'v' + s.version;
}

function stat(label, value, test, extra) {
  return h('div', { class: 'stat', 'data-test': test }, h('span', { class: 'label' }, label),
    h('span', { class: 'value' }, value), extra);
}

/** Totals over every group of every queue; dead-letter queues are left out (their messages are the dead). */
function totals(queues) {
  const dlqs = new Set(queues.map((q) => q.config && q.config.dead_letter_queue));
  const t = { ready: 0, delayed: 0, in_flight: 0, dead: 0 };
  for (const q of queues) {
    if (dlqs.has(q.name)) {
      continue;
    }
    for (const s of [q.stats, ...q.groups.map((g) => g.stats)]) {
      for (const k of Object.keys(t)) {
        t[k] += s[k];
      }
    }
  }
  return t;
}

class Overview {
  constructor(root) {
    this.cards = h('section', { class: 'cards' });
    this.table = h('tbody', { 'data-test': 'queues' });
    this.empty = h('p', { class: 'empty', hidden: true }, 'No queues yet. Push a message or create a queue.');
    const name = h('input', { name: 'queue', placeholder: 'new-queue', required: true, pattern: '[A-Za-z0-9._\\-]{1,128}', 'aria-label': 'Queue name' });
    const form = h('form', { class: 'inline', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api.putQueue(name.value, {});
        location.hash = '#/q/' + encodeURIComponent(name.value);
      } catch (e) {
        toast(e.message, true);
      }
    } }, name, h('button', { class: 'btn primary' }, 'Create queue'));
    root.append(
      h('h1', {}, 'Overview'), this.cards,
      h('div', { class: 'section-head' }, h('h2', {}, 'Queues'), form),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid queues' },
        h('thead', {}, h('tr', {}, ['Queue', 'Ready', 'Delayed', 'In flight', 'Dead', 'Oldest', 'Push rate', 'Ack rate', 'Groups']
          .map((c) => h('th', {}, c)))), this.table)), this.empty);
  }

  async update() {
    const s = state.status;
    const t = totals(state.queues);
    const hist = state.history;
    const pushes = hist.rates(null, 'pushed');
    const acks = hist.rates(null, 'acked');
    const st = s.storage;
    this.cards.replaceChildren(
      h('div', { class: 'card' }, h('h3', {}, 'Messages'), h('div', { class: 'stats' },
        stat('Ready', fmtCount(t.ready), 'total-ready'), stat('Delayed', fmtCount(t.delayed), 'total-delayed'),
        stat('In flight', fmtCount(t.in_flight), 'total-in-flight'), stat('Dead', fmtCount(t.dead), 'total-dead'))),
      h('div', { class: 'card' }, h('h3', {}, 'Throughput'), h('div', { class: 'stats' },
        stat('Push', fmtRate(pushes.at(-1)), 'push-rate', sparkline(pushes.slice(-60), 'push rate')),
        stat('Ack', fmtRate(acks.at(-1)), 'ack-rate', sparkline(acks.slice(-60), 'ack rate')))),
      h('div', { class: 'card' }, h('h3', {}, 'Storage'), h('div', { class: 'stats compact' },
        stat('Kind', st.kind, 'storage-kind'),
        st.fsync ? stat('Fsync', st.fsync, 'fsync') : null,
        st.kind === 'journal' ? stat('Journal', fmtBytes(st.journal_bytes), 'journal') : null,
        st.kind === 'journal' ? stat('Segments', fmtCount(st.segments), 'segments') : null,
        st.kind === 'journal' ? stat('Snapshots', fmtBytes(st.snapshot_bytes), 'snapshots') : null,
        stat('Sync avg / max', st.sync.count ? `${fmtMs(st.sync.mean_ms)} / ${fmtMs(st.sync.max_ms)}` : '–', 'sync')),
        h('p', { class: 'detail' }, st.detail)),
      h('div', { class: 'card' }, h('h3', {}, 'Server'), h('div', { class: 'stats compact' },
        stat('Status', st.ready ? 'ready' : 'not ready', 'ready'), stat('Version', s.version, 'version'),
        stat('Uptime', fmtAge(s.uptime_ms), 'uptime'), stat('Connections', fmtCount(s.connections), 'connections'),
        stat('Queues', fmtCount(state.queues.length), 'queue-count'))));
    this.empty.hidden = state.queues.length > 0;
    this.table.replaceChildren(...state.queues.map((q) => this.row(q)));
  }

  row(q) {
    const pushes = state.history.rates(q.name, 'pushed');
    const acks = state.history.rates(q.name, 'acked');
    const dlq = q.name.endsWith('.dlq');
    const cell = (col, label, v, cls) => h('td', { 'data-col': col, 'data-label': label, class: cls }, v);
    return h('tr', { 'data-queue': q.name, class: dlq ? 'dlq' : null },
      h('td', { 'data-col': 'name', class: 'name' }, h('a', { href: '#/q/' + encodeURIComponent(q.name) }, q.name),
        dlq ? h('span', { class: 'tag' }, 'DLQ') : null),
      cell('ready', 'Ready', fmtCount(q.stats.ready), 'num'),
      cell('delayed', 'Delayed', fmtCount(q.stats.delayed), 'num'),
      cell('in_flight', 'In flight', fmtCount(q.stats.in_flight), 'num'),
      cell('dead', 'Dead', fmtCount(q.stats.dead), q.stats.dead ? 'num warn' : 'num'),
      cell('oldest', 'Oldest', fmtAge(q.stats.oldest_ready_age_ms), 'num'),
      cell('push', 'Push rate', [sparkline(pushes.slice(-60), 'push rate'), h('span', { class: 'rate' }, fmtRate(pushes.at(-1)))], 'spark-cell'),
      cell('ack', 'Ack rate', [sparkline(acks.slice(-60), 'ack rate'), h('span', { class: 'rate' }, fmtRate(acks.at(-1)))], 'spark-cell'),
      cell('groups', 'Groups', q.groups.length ? q.groups.map((g) => h('span', { class: 'chip', title: `ready ${g.stats.ready}, in flight ${g.stats.in_flight}, dead ${g.stats.dead}` },
        g.name + ' · ' + fmtCount(g.stats.ready))) : h('span', { class: 'muted' }, 'default only')));
  }
}

class LocksPage {
  constructor(root) {
    this.rows = h('tbody', { 'data-test': 'locks' });
    this.empty = h('p', { class: 'empty', hidden: true }, 'No locks.');
    this.error = h('p', { class: 'banner', hidden: true });
    root.append(h('h1', {}, 'Locks'), this.error,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid locks' },
        h('thead', {}, h('tr', {}, ['Lock', 'Holder', 'Token', 'Expires in', 'Waiters', 'State'].map((c) => h('th', {}, c)))),
        this.rows)), this.empty);
  }

  async update() {
    let data;
    try {
      data = await api.locks();
    } catch (e) {
      this.error.hidden = false;
      this.error.textContent = 'Locks are not available on this server: ' + e.message;
      return;
    }
    this.error.hidden = true;
    const locks = data.locks || [];
    const now = state.status ? state.status.now : Date.now();
    this.empty.hidden = locks.length > 0;
    this.rows.replaceChildren(...locks.map((l) => {
      const holder = l.holder;
      const doc = l.state;
      return h('tr', { 'data-lock': l.name },
        h('td', { class: 'name mono' }, l.name),
        h('td', { 'data-label': 'Holder', 'data-col': 'holder' }, holder ? holder.owner : h('span', { class: 'muted' }, 'free')),
        h('td', { class: 'num', 'data-label': 'Token' }, fmtCount(holder ? holder.token : l.last_token)),
        h('td', { class: 'num', 'data-label': 'Expires in' }, holder ? fmtAge(Math.max(0, holder.expires_at - now)) : '–'),
        h('td', { class: 'num', 'data-label': 'Waiters' }, fmtCount(l.waiters)),
        h('td', { 'data-label': 'State' }, doc ? `v${doc.version} · ${doc.content_type} · ${fmtBytes(doc.size)}` : h('span', { class: 'muted' }, 'none')));
    }));
  }
}

async function probeLocks() {
  try {
    await api.locks();
    state.locks = true;
  } catch {
    state.locks = false;
  }
  document.getElementById('nav-locks').hidden = !state.locks;
}

function tokenDialog() {
  const dlg = document.getElementById('token-dialog');
  const input = dlg.querySelector('input');
  input.value = token();
  dlg.showModal();
}

document.getElementById('token-dialog').addEventListener('close', (ev) => {
  const dlg = ev.target;
  if (dlg.returnValue === 'save') {
    setToken(dlg.querySelector('input').value.trim());
    tick();
    probeLocks();
  } else if (dlg.returnValue === 'clear') {
    setToken('');
    tick();
  }
});
// Enter in the field saves: the other buttons are not submit buttons, so they close the dialog themselves
document.querySelectorAll('#token-dialog [data-close]').forEach((b) => b.addEventListener('click', () => {
  document.getElementById('token-dialog').close(b.dataset.close);
}));
document.getElementById('token-btn').addEventListener('click', tokenDialog);
document.getElementById('pause-btn').addEventListener('click', (ev) => {
  state.paused = !state.paused;
  ev.currentTarget.textContent = state.paused ? 'Resume' : 'Pause';
  ev.currentTarget.setAttribute('aria-pressed', String(state.paused));
  if (!state.paused) {
    tick();
  }
});
window.addEventListener('spool-auth', () => {
  if (!document.getElementById('token-dialog').open) {
    tokenDialog();
  }
});
window.addEventListener('hashchange', route);
state.refresh = tick;
probeLocks();
route();
