// Small view helpers: DOM building (text is always set as text, never parsed as HTML: payloads
// and names are untrusted), number and time formats, sparklines, dialogs and the rate history.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) {
      continue;
    }
    if (k.startsWith('on')) {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else {
      el.setAttribute(k, v === true ? '' : v);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) {
      continue;
    }
    if (Array.isArray(c)) {
      append(el, c);
    } else {
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }
}

const SVG = 'http://www.w3.org/2000/svg'; // an XML namespace name, never fetched

export function fmtCount(n) {
  return n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US');
}

export function fmtAge(ms) {
  if (!ms) {
    return '–';
  }
  const s = ms / 1000;
  if (s < 1) {
    return Math.round(ms) + ' ms';
  }
  if (s < 120) {
    return s.toFixed(s < 10 ? 1 : 0) + ' s';
  }
  if (s < 7200) {
    return Math.round(s / 60) + ' min';
  }
  if (s < 172800) {
    return (s / 3600).toFixed(1) + ' h';
  }
  return (s / 86400).toFixed(1) + ' d';
}

export function fmtBytes(n) {
  if (n === undefined || n === null) {
    return '–';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v : v.toFixed(1)) + ' ' + units[i];
}

export function fmtTime(ms) {
  return ms ? new Date(ms).toLocaleString() : '–';
}

export function fmtRate(r) {
  if (!r) {
    return '0/s';
  }
  return (r < 10 ? r.toFixed(1) : Math.round(r).toLocaleString('en-US')) + '/s';
}

/** An inline SVG line of the last values (0 when empty), scaled to its own maximum. */
export function sparkline(values, label) {
  const w = 120;
  const ht = 28;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${ht}`);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const max = Math.max(1e-9, ...values);
  const n = Math.max(values.length, 2);
  const pts = values.map((v, i) => `${((i + n - values.length) / (n - 1)) * w},${ht - 2 - (v / max) * (ht - 4)}`);
  if (pts.length === 1) {
    pts.unshift(`0,${ht - 2}`);
  }
  if (pts.length > 1) {
    const area = document.createElementNS(SVG, 'polygon');
    area.setAttribute('points', `${pts[0].split(',')[0]},${ht} ${pts.join(' ')} ${w},${ht}`);
    area.setAttribute('class', 'spark-area');
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', pts.join(' '));
    line.setAttribute('class', 'spark-line');
    svg.append(area, line);
  }
  return svg;
}

/** The payload of a task view: JSON pretty-printed, text decoded, binary as its size. */
export function payloadPreview(m, full) {
  const limit = full ? 100000 : 120;
  const cut = (s) => (s.length > limit ? s.slice(0, limit) + '…' : s);
  if ('payload' in m) {
    return { kind: 'json', text: cut(JSON.stringify(m.payload, null, full ? 2 : 0)) };
  }
  if ('payload_base64' in m) {
    const type = m.content_type || 'application/octet-stream';
    const bytes = Math.floor((m.payload_base64.length * 3) / 4) - (m.payload_base64.match(/=*$/)[0].length);
    if (/^text\/|\+json$|\+xml$|^application\/(xml|x-www-form-urlencoded)/.test(type)) {
      try {
        const raw = Uint8Array.from(atob(m.payload_base64), (c) => c.charCodeAt(0));
        return { kind: 'text', text: cut(new TextDecoder('utf-8', { fatal: true }).decode(raw)) };
      } catch {
        // not valid UTF-8: shown as binary below
      }
    }
    return { kind: 'binary', text: `${type}, ${fmtBytes(bytes)}` };
  }
  return { kind: 'none', text: '–' };
}

/** Asks a yes/no question in a modal dialog; resolves true on confirm. */
export function confirmDialog(title, body, action, danger) {
  return new Promise((resolve) => {
    const ok = h('button', { class: danger ? 'btn danger' : 'btn primary', value: 'ok', 'data-test': 'confirm-ok' }, action);
    const dlg = h('dialog', { class: 'dialog', 'data-test': 'confirm' },
      h('form', { method: 'dialog' },
        h('h3', {}, title),
        h('p', {}, body),
        h('div', { class: 'actions' },
          h('button', { class: 'btn', value: 'cancel', 'data-test': 'confirm-cancel' }, 'Cancel'), ok)));
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** A short message at the bottom of the screen. */
export function toast(text, bad) {
  const el = h('div', { class: bad ? 'toast bad' : 'toast', role: 'status' }, text);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), bad ? 8000 : 4000);
}

/**
 * Message counters over time, one series per queue: each reading of /v1/status adds a point;
 * rates are the differences between readings. Keeps the last `keep` readings (10 min at 2 s).
 */
export class RateHistory {
  constructor(keep = 300) {
    this.keep = keep;
    this.points = [];
  }

  add(status) {
    this.points.push({ t: status.now, c: status.counters || {} });
    if (this.points.length > this.keep) {
      this.points.shift();
    }
  }

  /** Per-interval rates of counter `field` for `queue` (all queues when null). */
  rates(queue, field) {
    const out = [];
    for (let i = 1; i < this.points.length; i++) {
      const a = this.points[i - 1];
      const b = this.points[i];
      const dt = (b.t - a.t) / 1000;
      const d = sum(b.c, queue, field) - sum(a.c, queue, field);
      out.push(dt > 0 && d > 0 ? d / dt : 0);
    }
    return out;
  }
}

function sum(counters, queue, field) {
  if (queue !== null) {
    return counters[queue] ? counters[queue][field] : 0;
  }
  let s = 0;
  for (const v of Object.values(counters)) {
    s += v[field];
  }
  return s;
}
