// The presence and pipeline-health panels. Built with textContent only: device names are user input.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function ago(ms, now) {
  if (ms === null || ms === undefined) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

const table = (head, rows) => h('table', {}, h('tr', {}, head.map((x) => h('th', {}, x))), rows);
const num = (x) => h('td', { class: 'num' }, x);
const box = (title, ...content) => h('div', { class: 'box' }, h('h3', {}, title), ...content);
const empty = (text) => h('p', { class: 'empty' }, text);

export function renderPresence(el, p, now) {
  const online = (d) => !d.revoked && d.lastSeen !== null && now - d.lastSeen <= p.onlineWithinMs;
  const devices = p.devices.map((d) =>
    h('tr', { 'data-device': d.id },
      h('td', {}, h('span', { class: `dot ${d.revoked ? '' : online(d) ? 'up' : 'down'}` }), d.id),
      h('td', {}, d.name),
      h('td', {}, d.revoked ? 'revoked' : online(d) ? 'sending' : 'silent'),
      h('td', {}, ago(d.lastSeen, now))),
  );
  const nodes = p.nodes.map((n) =>
    h('tr', {}, h('td', {}, h('span', { class: `dot ${n.status === 'up' ? 'up' : n.status === 'down' ? 'down' : ''}` }), n.name), h('td', {}, n.role), h('td', {}, n.address ?? ''), h('td', {}, ago(n.lastSeen, now))),
  );
  const up = p.devices.filter(online).length;
  el.replaceChildren(
    box(`Devices · ${up} of ${p.devices.filter((d) => !d.revoked).length} sending`, devices.length ? table(['id', 'name', 'state', 'last frame'], devices) : empty('No devices registered.')),
    box('Nodes', nodes.length ? table(['node', 'role', 'address', 'last seen'], nodes) : empty('No nodes reported (presence probe not running).')),
  );
}

export function renderHealth(el, hl) {
  const fns = hl.invocations.map((i) => h('tr', {}, h('td', {}, i.fn), num(i.perSec), num(i.errorsPerSec), num(i.total)));
  const ready = hl.functions.map((f) => h('tr', {}, h('td', {}, h('span', { class: `dot ${f.ready > 0 ? 'up' : 'down'}` }), f.fn), num(f.restarts)));
  const rejections = hl.rejections.map((r) => h('tr', { 'data-reason': r.reason }, h('td', {}, r.reason), num(r.perSec), num(r.total)));
  const dead = hl.deadLetters.map((d) => h('tr', {}, h('td', {}, d.fn), h('td', {}, d.code), num(d.perSec), num(d.total)));
  const mqtt = hl.mqtt.connected === null ? 'no MQTT connector' : `${hl.mqtt.connected ? 'connected' : 'DISCONNECTED'} · ${hl.mqtt.inflight ?? 0} in flight · ${hl.mqtt.messagesPerSec} msg/s`;
  const broker = hl.broker.clients === null ? '' : ` · broker: ${hl.broker.clients} clients, ${hl.broker.refusedPerSec} refused/s`;
  el.replaceChildren(
    box('Stored', h('div', { class: 'big', id: 'stored-rate' }, `${hl.stored.cyclesPerSec} cycles/s`), h('div', { class: 'hint' }, `${hl.stored.rowsPerSec} phase rows/s · MQTT: ${mqtt}${broker}`)),
    box('Invocations', fns.length ? table(['function', '/s', 'errors/s', 'total'], fns) : empty('None yet.')),
    box('Rejections by reason', rejections.length ? table(['reason', '/s', 'total'], rejections) : empty('None.')),
    box('Dead letters', dead.length ? table(['function', 'code', '/s', 'total'], dead) : empty('None.')),
    box('Functions', ready.length ? table(['function', 'restarts'], ready) : empty('No functions.')),
  );
}
