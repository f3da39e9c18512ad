// The queue page: live figures, browsing without leasing, task view by id, redrive, purge,
// groups and settings. Forms are built once; only the figures and the message list are redrawn
// on each refresh, so nothing the user is typing is lost.
import { api } from './api.js';
import { h, fmtCount, fmtAge, fmtTime, fmtRate, sparkline, payloadPreview, confirmDialog, toast } from './views.js';

const STATES = [['ready', 'Ready'], ['delayed', 'Delayed'], ['in_flight', 'In flight'], ['dead', 'Dead']];
const PAGE = 50;
const SETTINGS = [
  ['visibility_timeout_ms', 'Visibility timeout (ms)', 'number'],
  ['max_attempts', 'Max attempts (0 = unlimited)', 'number'],
  ['dead_letter_queue', 'Dead-letter queue', 'text'],
  ['retry_backoff.initial_ms', 'Backoff initial (ms)', 'number'],
  ['retry_backoff.max_ms', 'Backoff max (ms)', 'number'],
  ['retry_backoff.multiplier', 'Backoff multiplier', 'number'],
  ['retry_backoff.jitter', 'Backoff jitter', 'bool'],
  ['retention_ms', 'Retention (ms)', 'number'],
  ['message_ttl_ms', 'Message TTL (ms)', 'number'],
  ['max_message_bytes', 'Max message bytes', 'number'],
  ['dedup_window_ms', 'Dedup window (ms)', 'number'],
  ['result_ttl_ms', 'Result TTL (ms)', 'number'],
  ['encrypted', 'Encrypted', 'bool'],
];

export class QueuePage {
  constructor(name, state, root) {
    this.name = name;
    this.state = state;
    this.doc = null;
    this.view = { state: 'ready', group: 'default' };
    this.figures = h('section', { class: 'cards figures', 'data-test': 'figures' });
    this.missing = h('p', { class: 'banner', hidden: true }, `Queue "${name}" does not exist.`);
    this.groupSelect = h('select', { 'aria-label': 'Group', 'data-test': 'group-select', onchange: () => {
      this.view.group = this.groupSelect.value;
      this.reload();
    } });
    this.rows = h('tbody', { 'data-test': 'messages' });
    // dead letters ticked on the "Dead" tab, for "Redrive selected"
    this.selected = new Set();
    this.redriveSelectedButton = h('button', { class: 'btn', 'data-test': 'redrive-selected', hidden: true,
      onclick: () => this.redriveSelected() }, 'Redrive selected');
    this.more = h('button', { class: 'btn', hidden: true, onclick: () => this.loadMore() }, 'Load more');
    this.groupRows = h('tbody', { 'data-test': 'groups' });
    root.append(
      h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, 'Overview'), ' / ', h('span', {}, name)),
      h('div', { class: 'title-row' }, h('h1', { 'data-test': 'queue-name' }, name), this.actions()),
      this.missing, this.figures,
      h('section', { class: 'card' }, h('div', { class: 'section-head' }, h('h2', {}, 'Messages'), this.lookupForm()),
        this.browseControls(),
        h('div', { class: 'table-wrap' }, h('table', { class: 'grid messages' },
          h('thead', {}, h('tr', {}, ['ID', 'Enqueued', 'Attempts', 'Priority', 'Key', 'Payload'].map((c) => h('th', {}, c)))),
          this.rows)), this.more),
      h('div', { class: 'two-col' },
        h('section', { class: 'card' }, h('h2', {}, 'Groups'),
          h('div', { class: 'table-wrap' }, h('table', { class: 'grid groups' },
            h('thead', {}, h('tr', {}, ['Group', 'Start', 'Ready', 'In flight', 'Dead', ''].map((c) => h('th', {}, c)))),
            this.groupRows)), this.groupForm()),
        h('section', { class: 'card' }, h('h2', {}, 'Settings'), this.settingsForm())));
    this.reload();
  }

  actions() {
    return h('div', { class: 'actions' },
      h('button', { class: 'btn', 'data-test': 'redrive', onclick: () => this.redrive() }, 'Redrive dead letters'),
      this.redriveSelectedButton,
      h('button', { class: 'btn danger', 'data-test': 'purge', onclick: () => this.purge() }, 'Purge…'),
      h('button', { class: 'btn danger', 'data-test': 'delete-queue', onclick: () => this.deleteQueue() }, 'Delete…'));
  }

  browseControls() {
    const tabs = STATES.map(([s, label]) => h('button', { class: 'tab' + (s === this.view.state ? ' active' : ''), 'data-state': s,
      onclick: (ev) => {
        this.view.state = s;
        ev.currentTarget.parentNode.querySelectorAll('.tab').forEach((t) => t.classList.toggle('active', t === ev.currentTarget));
        this.reload();
      } }, label));
    return h('div', { class: 'controls' }, h('div', { class: 'tabs', role: 'tablist' }, tabs),
      h('label', { class: 'inline-label' }, 'Group ', this.groupSelect));
  }

  lookupForm() {
    const id = h('input', { name: 'id', placeholder: 'message id', 'aria-label': 'Message id', required: true, 'data-test': 'lookup-id' });
    return h('form', { class: 'inline', onsubmit: (ev) => {
      ev.preventDefault();
      this.showTask(id.value.trim());
    } }, id, h('button', { class: 'btn', 'data-test': 'lookup' }, 'Look up'));
  }

  async update() {
    try {
      this.doc = await api.queue(this.name);
    } catch (e) {
      if (e.code === 'queue_not_found') {
        this.missing.hidden = false;
        this.figures.replaceChildren();
        return;
      }
      throw e;
    }
    this.missing.hidden = true;
    this.renderFigures();
    this.renderGroups();
    if (!this.settingsLoaded) {
      this.fillSettings(this.doc.config);
    }
    if (!this.after) {
      await this.reload();
    }
  }

  renderFigures() {
    const d = this.doc;
    const g = this.view.group === 'default' ? d.stats : (d.groups.find((x) => x.name === this.view.group) || d).stats;
    const hist = this.state.history;
    const pushes = hist.rates(this.name, 'pushed');
    const acks = hist.rates(this.name, 'acked');
    const fig = (label, value, test, cls) => h('div', { class: 'card stat ' + (cls || ''), 'data-test': test },
      h('span', { class: 'label' }, label), h('span', { class: 'value' }, value));
    this.figures.replaceChildren(
      fig('Ready', fmtCount(g.ready), 'ready'), fig('Delayed', fmtCount(g.delayed), 'delayed'),
      fig('In flight', fmtCount(g.in_flight), 'in_flight'), fig('Dead', fmtCount(g.dead), 'dead', g.dead ? 'warn' : ''),
      fig('Oldest ready', fmtAge(g.oldest_ready_age_ms), 'oldest'),
      h('div', { class: 'card stat' }, h('span', { class: 'label' }, 'Push rate'),
        h('span', { class: 'value' }, fmtRate(pushes.at(-1))), sparkline(pushes.slice(-60), 'push rate')),
      h('div', { class: 'card stat' }, h('span', { class: 'label' }, 'Ack rate'),
        h('span', { class: 'value' }, fmtRate(acks.at(-1))), sparkline(acks.slice(-60), 'ack rate')));
  }

  renderGroups() {
    const groups = [{ name: 'default', start: '–', stats: this.doc.stats }, ...this.doc.groups];
    const names = groups.map((g) => g.name).join('\n');
    if (names !== this.groupNames) {
      this.groupNames = names;
      this.groupSelect.replaceChildren(...groups.map((g) => h('option', { value: g.name, selected: g.name === this.view.group }, g.name)));
    }
    this.groupRows.replaceChildren(...groups.map((g) => h('tr', { 'data-group': g.name },
      h('td', { class: 'name' }, g.name), h('td', { 'data-label': 'Start' }, String(g.start)),
      h('td', { class: 'num', 'data-label': 'Ready' }, fmtCount(g.stats.ready)),
      h('td', { class: 'num', 'data-label': 'In flight' }, fmtCount(g.stats.in_flight)),
      h('td', { class: 'num', 'data-label': 'Dead' }, fmtCount(g.stats.dead)),
      h('td', { class: 'row-actions' }, g.name === 'default' ? null : h('button', { class: 'btn small danger', onclick: () => this.deleteGroup(g.name) }, 'Delete')))));
  }

  async reload() {
    this.after = null;
    this.selected.clear();
    this.renderSelection();
    const page = await this.browse(null);
    if (page) {
      this.rows.replaceChildren(...page.messages.map((m) => this.messageRow(m)));
      if (!page.messages.length) {
        this.rows.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, `No ${this.view.state.replace('_', ' ')} messages.`)));
      }
    }
  }

  async loadMore() {
    const page = await this.browse(this.next);
    if (page) {
      this.after = this.next;
      this.rows.append(...page.messages.map((m) => this.messageRow(m)));
    }
  }

  async browse(after) {
    const params = { state: this.view.state, limit: PAGE, group: this.view.group };
    if (after) {
      params.after = after;
    }
    try {
      const page = await api.browse(this.name, params);
      this.next = page.next_after || null;
      this.more.hidden = !this.next;
      return page;
    } catch (e) {
      if (e.code !== 'queue_not_found') {
        toast('Browse failed: ' + e.message, true);
      }
      return null;
    }
  }

  messageRow(m) {
    const p = payloadPreview(m, false);
    const pick = this.view.state !== 'dead' ? null : h('input', { type: 'checkbox', class: 'pick', 'data-test': 'pick',
      'aria-label': 'Select ' + m.id, onclick: (ev) => {
        ev.stopPropagation();
        if (ev.currentTarget.checked) {
          this.selected.add(m.id);
        } else {
          this.selected.delete(m.id);
        }
        this.renderSelection();
      } });
    return h('tr', { class: 'clickable', 'data-id': m.id, onclick: () => this.showTask(m.id) },
      h('td', { class: 'mono', 'data-label': 'ID' }, pick, m.id),
      h('td', { 'data-label': 'Enqueued' }, fmtTime(m.enqueued_at)),
      h('td', { class: 'num', 'data-label': 'Attempts' }, fmtCount(m.attempts)),
      h('td', { class: 'num', 'data-label': 'Priority' }, fmtCount(m.priority)),
      h('td', { 'data-label': 'Key' }, m.key || ''),
      h('td', { class: 'payload ' + p.kind, 'data-label': 'Payload' }, p.text,
        m.last_error ? h('div', { class: 'error-line', title: m.last_error }, m.last_error) : null));
  }

  async showTask(id) {
    if (!id) {
      return;
    }
    let view;
    try {
      view = await api.task(this.name, id, this.view.group);
    } catch (e) {
      toast(e.code === 'message_not_found' ? `No message ${id} in this queue's ${this.view.group} group.` : e.message, true);
      return;
    }
    const p = payloadPreview(view, true);
    const rest = Object.fromEntries(Object.entries(view).filter(([k]) => k !== 'payload' && k !== 'payload_base64'));
    const dlg = h('dialog', { class: 'dialog wide', 'data-test': 'task' },
      h('form', { method: 'dialog' },
        h('h3', {}, 'Message ', h('span', { class: 'mono' }, view.id), ' ', h('span', { class: 'pill state-' + view.state }, view.state)),
        h('dl', { class: 'facts' }, ...[['Attempts', fmtCount(view.attempts)], ['Enqueued', fmtTime(view.enqueued_at)],
          ['Available at', view.available_at ? fmtTime(view.available_at) : null], ['Content type', view.content_type],
          ['Last error', view.last_error]].filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
        h('h4', {}, 'Payload'), h('pre', { class: 'json payload ' + p.kind }, p.text),
        h('h4', {}, 'All fields'), h('pre', { class: 'json' }, JSON.stringify(rest, null, 2)),
        h('div', { class: 'actions' }, h('button', { class: 'btn primary', value: 'close' }, 'Close'))));
    dlg.addEventListener('close', () => dlg.remove());
    document.body.append(dlg);
    dlg.showModal();
  }

  async redrive() {
    try {
      const r = await api.redrive(this.name, this.view.group);
      toast(`Moved ${r.moved} dead letter${r.moved === 1 ? '' : 's'} back to ${this.name}.`);
      this.state.refresh();
    } catch (e) {
      toast('Redrive failed: ' + e.message, true);
    }
  }

  renderSelection() {
    const n = this.selected.size;
    this.redriveSelectedButton.hidden = n === 0;
    this.redriveSelectedButton.textContent = `Redrive ${n} selected`;
  }

  async redriveSelected() {
    const ids = [...this.selected];
    try {
      const r = await api.redrive(this.name, this.view.group, ids);
      toast(`Moved ${r.moved} of ${ids.length} selected dead letter${ids.length === 1 ? '' : 's'} back to ${this.name}.`);
      this.state.refresh();
      await this.reload();
    } catch (e) {
      toast('Redrive failed: ' + e.message, true);
    }
  }

  async purge() {
    const ok = await confirmDialog(`Purge ${this.name}?`,
      'Every message of every group is dropped, leased ones included. This cannot be undone.', 'Purge', true);
    if (!ok) {
      return;
    }
    try {
      const r = await api.purge(this.name);
      toast(`Purged ${r.purged} message${r.purged === 1 ? '' : 's'}.`);
      this.state.refresh();
    } catch (e) {
      toast('Purge failed: ' + e.message, true);
    }
  }

  async deleteQueue() {
    const ok = await confirmDialog(`Delete ${this.name}?`,
      'The queue, its groups and every message are dropped; waiting consumers get empty replies. Its dead-letter queue stays.',
      'Delete queue', true);
    if (!ok) {
      return;
    }
    try {
      await api.deleteQueue(this.name);
      toast(`Queue ${this.name} deleted.`);
      location.hash = '#/';
    } catch (e) {
      toast('Delete failed: ' + e.message, true);
    }
  }

  groupForm() {
    const name = h('input', { name: 'group', placeholder: 'group name', required: true, 'aria-label': 'Group name' });
    const start = h('select', { name: 'start', 'aria-label': 'Start' }, h('option', { value: 'latest' }, 'latest'),
      h('option', { value: 'earliest' }, 'earliest'));
    const err = h('span', { class: 'field-error' });
    return h('form', { class: 'inline', onsubmit: async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      try {
        await api.putGroup(this.name, name.value.trim(), start.value);
        toast(`Group ${name.value} created.`);
        name.value = '';
        this.state.refresh();
      } catch (e) {
        err.textContent = e.message;
      }
    } }, name, start, h('button', { class: 'btn primary' }, 'Create group'), err);
  }

  async deleteGroup(group) {
    if (!await confirmDialog(`Delete group ${group}?`, 'Its position, leases and dead letters are dropped.', 'Delete', true)) {
      return;
    }
    try {
      await api.deleteGroup(this.name, group);
      if (this.view.group === group) {
        this.view.group = 'default';
      }
      this.state.refresh();
    } catch (e) {
      toast(e.message, true);
    }
  }

  settingsForm() {
    this.fields = {};
    this.formError = h('p', { class: 'field-error' });
    const rows = SETTINGS.map(([key, label, kind]) => {
      const input = kind === 'bool'
        ? h('input', { type: 'checkbox', name: key, id: 'f-' + key })
        : h('input', { type: 'text', name: key, id: 'f-' + key, inputmode: kind === 'number' ? 'decimal' : null, autocomplete: 'off' });
      const error = h('span', { class: 'field-error', 'data-error-for': key });
      this.fields[key] = { input, error, kind };
      return h('div', { class: 'field' + (kind === 'bool' ? ' check' : '') }, h('label', { for: 'f-' + key }, label), input, error);
    });
    return h('form', { class: 'settings', 'data-test': 'settings', onsubmit: (ev) => {
      ev.preventDefault();
      this.saveSettings();
    } }, rows, this.formError, h('div', { class: 'actions' }, h('button', { class: 'btn primary', 'data-test': 'save-settings' }, 'Save settings')));
  }

  fillSettings(config) {
    this.settingsLoaded = true;
    for (const [key, f] of Object.entries(this.fields)) {
      const v = key.split('.').reduce((o, k) => (o == null ? o : o[k]), config);
      if (f.kind === 'bool') {
        f.input.checked = !!v;
      } else {
        f.input.value = v == null ? '' : String(v);
      }
    }
  }

  async saveSettings() {
    const body = {};
    for (const [key, f] of Object.entries(this.fields)) {
      f.error.textContent = '';
      f.input.removeAttribute('aria-invalid');
      let v;
      if (f.kind === 'bool') {
        v = f.input.checked;
      } else {
        const text = f.input.value.trim();
        v = text === '' ? null : f.kind === 'number' && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
      }
      const path = key.split('.');
      let o = body;
      for (const p of path.slice(0, -1)) {
        o = o[p] = o[p] || {};
      }
      o[path.at(-1)] = v;
    }
    this.formError.textContent = '';
    try {
      const doc = await api.putQueue(this.name, body);
      this.fillSettings(doc.config);
      toast('Settings saved.');
    } catch (e) {
      const f = e.field && this.fields[e.field];
      if (f) {
        f.error.textContent = e.message;
        f.input.setAttribute('aria-invalid', 'true');
        f.input.focus();
      } else {
        this.formError.textContent = e.message;
      }
    }
  }
}
