// The operator's console (docs/admin.md "The console"): everything it shows comes from the
// admin API with the token pasted in, which stays in this tab's sessionStorage.
import { LineChart, sumByName } from '/assets/metrics.js';

const tokenKey = 'parley.adminToken';
const $ = (selector) => document.querySelector(selector);
const timers = [];
let apps = [];
let chart;

class Refused extends Error {}

/** A call of the admin API; a refused token sends the operator back to the token form. */
async function admin(path, init = {}) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(tokenKey) ?? ''}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/admin/v1${path}`, { ...init, headers });
  if (response.status === 401) {
    signOut('The token was refused.');
    throw new Refused('refused');
  }
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  const body = isJson ? await response.json() : await response.text();
  if (!response.ok) throw new Error(isJson ? `${body.errorMessage} (${body.code})` : response.statusText);
  return body;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(...cells) {
  const tr = document.createElement('tr');
  tr.append(...cells.map((c) => (c instanceof Node ? c : cell(String(c)))));
  return tr;
}

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '–');
const selectedApp = () => $('#app-select').value;

// --- apps and their toggles ---

function renderApps() {
  const picker = $('#app-select');
  const chosen = picker.value;
  picker.replaceChildren(...apps.map((app) => new Option(app.appKey, app.appKey)));
  if (apps.some((app) => app.appKey === chosen)) picker.value = chosen;
  $('#app-list').replaceChildren(...apps.map(appCard));
}

function appCard(app) {
  const card = document.createElement('div');
  card.className = 'app';
  card.dataset.appKey = app.appKey;
  const title = document.createElement('h3');
  title.append(`${app.appKey} `, Object.assign(document.createElement('small'), { className: 'version', textContent: `version ${app.version}` }));
  const toggles = document.createElement('div');
  toggles.className = 'toggles';
  const others = [];
  for (const [name, value] of Object.entries(app.features ?? {})) {
    if (typeof value !== 'boolean') {
      others.push(`${name}: ${value}`);
      continue;
    }
    const label = document.createElement('label');
    label.className = 'toggle';
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: value, name });
    box.addEventListener('change', () => toggle(app.appKey, name, box));
    label.append(box, name);
    toggles.append(label);
  }
  const status = Object.assign(document.createElement('p'), { className: 'muted status' });
  const rest = Object.assign(document.createElement('p'), { className: 'muted', textContent: others.join(' · ') });
  card.append(title, toggles, rest, status);
  return card;
}

async function toggle(appKey, feature, box) {
  const status = box.closest('.app').querySelector('.status');
  box.disabled = true;
  try {
    const { app } = await admin(`/apps/${encodeURIComponent(appKey)}`, { method: 'PATCH', body: JSON.stringify({ features: { [feature]: box.checked } }) });
    apps = apps.map((a) => (a.appKey === appKey ? app : a));
    status.textContent = `${feature} ${box.checked ? 'on' : 'off'}: saved, version ${app.version}`;
    box.closest('.app').querySelector('.version').textContent = `version ${app.version}`;
  } catch (err) {
    box.checked = !box.checked;
    if (!(err instanceof Refused)) status.textContent = `not saved: ${err.message}`;
  } finally {
    box.disabled = false;
  }
}

/** Re-rendered only when an app changed (here or on another console), so a status line stays put. */
async function loadApps() {
  const { apps: latest } = await admin('/apps');
  if (JSON.stringify(latest) === JSON.stringify(apps)) return;
  apps = latest;
  renderApps();
}

// --- online sessions ---

async function loadSessions() {
  const { nodeId, nodes } = await admin('/sessions');
  $('#node').hidden = false;
  $('#node').textContent = `node ${nodeId}`;
  const answered = nodes.filter((node) => node.answered);
  const users = new Set(answered.flatMap((node) => node.sessions.map((s) => `${s.appKey}/${s.userId}`)));
  const total = answered.reduce((sum, node) => sum + node.total, 0);
  const silent = nodes.filter((node) => !node.answered).map((node) => node.nodeId);
  $('#sessions-summary').textContent =
    `${users.size} user${users.size === 1 ? '' : 's'} online, ${total} session${total === 1 ? '' : 's'} on ${nodes.length} node${nodes.length === 1 ? '' : 's'}` +
    (silent.length ? `; not answering: ${silent.join(', ')}` : '');
  $('#session-rows').replaceChildren(
    ...answered.flatMap((node) => {
      const heading = row(cell(`${node.nodeId}${node.nodeId === nodeId ? ' (this node)' : ''}: ${node.total} session${node.total === 1 ? '' : 's'}${node.total > node.sessions.length ? `, the first ${node.sessions.length} listed` : ''}`, 'node'));
      heading.firstChild.colSpan = 5;
      return [heading, ...node.sessions.map((s) => row(s.userId, s.deviceId, s.platform, s.appKey, time(s.connectedAt)))];
    }),
  );
}

// --- throughput ---

let lastSample;

async function sampleMetrics() {
  const sums = sumByName(await admin('/metrics'));
  const now = performance.now();
  const sample = { at: now, messages: sums.get('parley_messages_committed_total') ?? 0, deliveries: sums.get('parley_deliveries_total') ?? 0 };
  if (lastSample) {
    const seconds = (now - lastSample.at) / 1000;
    chart.push([(sample.messages - lastSample.messages) / seconds, (sample.deliveries - lastSample.deliveries) / seconds]);
  }
  lastSample = sample;
}

// --- recent messages ---

function describeContent(message) {
  if (message.recalled) return '(recalled)';
  try {
    const content = JSON.parse(message.content);
    return typeof content.content === 'string' ? content.content : message.content;
  } catch {
    return message.content;
  }
}

async function showMessages(event) {
  event?.preventDefault();
  const query = new URLSearchParams({ userId: $('#messages-user').value, conversationType: $('#messages-type').value, targetId: $('#messages-target').value, limit: '30' });
  $('#messages-error').hidden = true;
  try {
    const { messages } = await admin(`/apps/${encodeURIComponent(selectedApp())}/messages?${query}`);
    $('#message-rows').replaceChildren(...messages.map((m) => row(time(m.sentTime), m.senderUserId, m.objectName, cell(describeContent(m), 'wrap'))));
    if (messages.length === 0) $('#message-rows').replaceChildren(row(cell('no messages', 'muted')));
  } catch (err) {
    if (err instanceof Refused) return;
    $('#messages-error').hidden = false;
    $('#messages-error').textContent = err.message;
  }
}

// --- deliveries ---

async function loadEvents() {
  const appKey = selectedApp();
  if (!appKey) return;
  // The newest 50 as they stand now: one read however long the app's history, and states refreshed.
  const { events } = await admin(`/apps/${encodeURIComponent(appKey)}/events?limit=50`);
  if (selectedApp() !== appKey) return;
  $('#events-summary').textContent = events.length ? `(newest ${events.length}, up to #${events.at(-1).id})` : '(none yet)';
  $('#event-rows').replaceChildren(
    ...events.toReversed().map((e) => {
      const state = Object.assign(document.createElement('span'), { className: `pill ${e.delivery.state === 'delivered' ? 'good' : e.delivery.state === 'failed' ? 'bad' : ''}`, textContent: e.delivery.state });
      const td = document.createElement('td');
      td.append(state);
      return row(e.id, e.kind, time(e.time), td, e.delivery.attempts, cell(e.delivery.lastError || '', 'wrap'));
    }),
  );
  const { pending } = await admin(`/apps/${encodeURIComponent(appKey)}/pushes`);
  $('#push-pending').textContent = String(pending);
}

async function lookUpPush(event) {
  event.preventDefault();
  const id = $('#push-id').value.trim();
  if (!id) return;
  try {
    const { push } = await admin(`/apps/${encodeURIComponent(selectedApp())}/pushes?id=${encodeURIComponent(id)}`);
    $('#push-status').textContent = `${push.state}, ${push.delivered} user(s) reached${push.error ? `, ${push.error}` : ''}`;
  } catch (err) {
    if (!(err instanceof Refused)) $('#push-status').textContent = err.message;
  }
}

// --- signing in and out ---

/** Runs `task` now and every `ms`; a failure shows in the header until a round succeeds. */
function every(ms, task) {
  const run = () =>
    task().then(
      () => ($('#problem').hidden = true),
      (err) => {
        if (err instanceof Refused) return;
        $('#problem').hidden = false;
        $('#problem').textContent = err.message;
      },
    );
  run();
  timers.push(setInterval(run, ms));
}

async function open() {
  await loadApps();
  $('#sign-in').hidden = true;
  for (const id of ['#console', '#sign-out', '#app-picker']) $(id).hidden = false;
  chart = new LineChart($('#chart'), [
    { name: 'messages/s', color: '#2563eb' },
    { name: 'deliveries/s', color: '#16a34a' },
  ]);
  lastSample = undefined;
  every(5000, loadApps);
  every(2000, loadSessions);
  every(2000, sampleMetrics);
  every(3000, loadEvents);
}

function signOut(reason) {
  sessionStorage.removeItem(tokenKey);
  timers.splice(0).forEach(clearInterval);
  for (const id of ['#console', '#sign-out', '#app-picker', '#node']) $(id).hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-in-error').hidden = !reason;
  $('#sign-in-error').textContent = reason ?? '';
}

$('#token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(tokenKey, $('#admin-token').value.trim());
  $('#admin-token').value = '';
  open().catch((err) => err instanceof Refused || signOut(err.message));
});
$('#sign-out').addEventListener('click', () => signOut());
$('#messages-form').addEventListener('submit', showMessages);
$('#push-form').addEventListener('submit', lookUpPush);
$('#app-select').addEventListener('change', () => loadEvents().catch(() => undefined));

if (sessionStorage.getItem(tokenKey)) open().catch((err) => err instanceof Refused || signOut(err.message));
