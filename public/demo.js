// The demo chat (README.md "Console and demo"): a user of the development app on Parley's
// own typed client, as a browser app would use it. The token comes from the development
// start's POST /demo/token; everything after that is the WebSocket protocol (docs/protocol.md).
import { ParleyClient } from '/client/index.js';

const $ = (selector) => document.querySelector(selector);
const privateChat = 1;
const groupChat = 3;

/** One device per tab: a second tab of the same user is another web session. */
const deviceId = sessionStorage.getItem('parley.demo.device') ?? `web-${crypto.randomUUID().slice(0, 8)}`;
sessionStorage.setItem('parley.demo.device', deviceId);

const state = {
  me: '',
  groupId: '',
  client: undefined,
  /** The open conversation: { conversationType, targetId }. */
  open: undefined,
  /** Conversation key → messageUId → message. */
  threads: new Map(),
  /** Private conversation key → the peer's latest read receipt (ms). */
  peerRead: new Map(),
  conversations: [],
  /** Conversation key → the newest message marked read here (each is marked once). */
  readUpTo: new Map(),
  catchingUp: false,
  caughtUp: 0,
};

const keyOf = ({ conversationType, targetId }) => `${conversationType}:${targetId}`;
const thread = (key) => state.threads.get(key) ?? state.threads.set(key, new Map()).get(key);
const titleOf = ({ conversationType, targetId }) => (conversationType === groupChat && targetId === state.groupId ? 'Demo group' : targetId);

function textOf(message) {
  if (message.recalled || message.objectName === 'RC:RcNtf') return 'This message was recalled';
  try {
    return JSON.parse(message.content).content ?? '';
  } catch {
    return message.content;
  }
}

function showNotice(text) {
  $('#notice').hidden = !text;
  $('#notice').textContent = text ?? '';
}

function setStatus(status) {
  $('#status').hidden = false;
  $('#status').textContent = status;
  $('#status').className = `pill ${status === 'online' ? 'good' : status === 'offline' ? 'bad' : ''}`;
  $('#offline').hidden = status !== 'online';
  $('#online').hidden = status !== 'offline';
  for (const id of ['#text', '#send']) $(id).disabled = status !== 'online' || !state.open;
}

// --- receiving ---

function receive(message) {
  const key = keyOf(message);
  switch (message.objectName) {
    case 'RC:TxtMsg':
      thread(key).set(message.messageUId, message);
      if (state.catchingUp && message.senderUserId !== state.me) state.caughtUp++;
      if (state.open && keyOf(state.open) === key) scheduleRead();
      break;
    case 'RC:RcCmd': {
      const { messageUId } = JSON.parse(message.content);
      const recalled = thread(key).get(messageUId);
      if (recalled) thread(key).set(messageUId, { ...recalled, recalled: true });
      break;
    }
    case 'RC:ReadNtf':
      if (message.senderUserId !== state.me) {
        const { lastMessageSendTime } = JSON.parse(message.content);
        state.peerRead.set(key, Math.max(state.peerRead.get(key) ?? 0, lastMessageSendTime));
      }
      break;
    default:
      // RC:SRSMsg (read on another device of mine) and others: only the list changes.
      break;
  }
  renderThread();
  scheduleList();
}

// --- the conversation list ---

let listTimer;
function scheduleList() {
  clearTimeout(listTimer);
  listTimer = setTimeout(() => loadConversations().catch(() => undefined), 150);
}

async function loadConversations() {
  if (!state.client?.isOpen) return;
  const { conversations } = await state.client.request('conversations', { limit: 50 });
  state.conversations = conversations;
  renderList();
}

function renderList() {
  const entries = [...state.conversations];
  // The demo group and the open conversation are listed before they have a message.
  for (const extra of [{ conversationType: groupChat, targetId: state.groupId }, state.open]) {
    if (extra && !entries.some((c) => keyOf(c) === keyOf(extra))) entries.push({ ...extra, unreadCount: 0 });
  }
  $('#conversation-list').replaceChildren(
    ...entries.map((conversation) => {
      const item = document.createElement('li');
      item.dataset.key = keyOf(conversation);
      item.classList.toggle('open', Boolean(state.open) && keyOf(state.open) === keyOf(conversation));
      const text = document.createElement('div');
      text.className = 'text';
      const title = Object.assign(document.createElement('div'), { className: 'title', textContent: titleOf(conversation) });
      const latest = conversation.latestMessage;
      const preview = Object.assign(document.createElement('div'), { className: 'preview', textContent: latest ? `${latest.senderUserId}: ${textOf(latest)}` : 'no messages yet' });
      text.append(title, preview);
      item.append(text);
      if (conversation.unreadCount > 0) item.append(Object.assign(document.createElement('span'), { className: 'badge', textContent: String(conversation.unreadCount) }));
      item.addEventListener('click', () => openConversation({ conversationType: conversation.conversationType, targetId: conversation.targetId }));
      return item;
    }),
  );
}

// --- the open conversation ---

async function openConversation(conversation) {
  state.open = conversation;
  showNotice();
  $('#thread-title').textContent = conversation.conversationType === groupChat ? titleOf(conversation) : `Chat with ${conversation.targetId}`;
  setStatus(state.client.isOpen ? 'online' : 'offline');
  renderList();
  renderThread();
  if (!state.client.isOpen) return;
  const { messages } = await state.client.request('history', { ...conversation, limit: 30 });
  const key = keyOf(conversation);
  for (const message of messages) if (message.objectName === 'RC:TxtMsg' || message.recalled) thread(key).set(message.messageUId, message);
  renderThread();
  await markRead();
  $('#text').focus();
}

function renderThread() {
  if (!state.open) return;
  const key = keyOf(state.open);
  const peerRead = state.peerRead.get(key) ?? 0;
  const messages = [...thread(key).values()].sort((a, b) => a.sentTime - b.sentTime);
  $('#message-list').replaceChildren(
    ...messages.map((message) => {
      const mine = message.senderUserId === state.me;
      const recalled = message.recalled || message.objectName === 'RC:RcNtf';
      const bubble = document.createElement('div');
      bubble.className = `message${mine ? ' mine' : ''}${recalled ? ' recalled' : ''}`;
      bubble.dataset.uid = message.messageUId;
      const body = Object.assign(document.createElement('div'), { className: 'body', textContent: textOf(message) });
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.append(`${mine ? 'you' : message.senderUserId} · ${new Date(message.sentTime).toLocaleTimeString()}`);
      if (mine && !recalled && state.open.conversationType === privateChat) {
        meta.append(Object.assign(document.createElement('span'), { className: 'receipt', textContent: peerRead >= message.sentTime ? 'Read' : 'Sent' }));
      }
      if (mine && !recalled) {
        const recall = Object.assign(document.createElement('button'), { className: 'link recall', type: 'button', textContent: 'Recall' });
        recall.addEventListener('click', () => recallMessage(key, message));
        meta.append(recall);
      }
      bubble.append(body, meta);
      return bubble;
    }),
  );
  $('#message-list').scrollTop = $('#message-list').scrollHeight;
}

let readTimer;
function scheduleRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => markRead().catch(() => undefined), 100);
}

/** Everything shown is read: the read position moves (unread counts) and, in a private chat, the peer gets a receipt. */
async function markRead() {
  const open = state.open;
  if (!open || !state.client.isOpen || document.visibilityState === 'hidden') return;
  const key = keyOf(open);
  const theirs = [...thread(key).values()].filter((m) => m.senderUserId !== state.me);
  const newest = theirs.reduce((latest, m) => (m.sentTime > latest.sentTime ? m : latest), { sentTime: 0 });
  if (newest.sentTime <= (state.readUpTo.get(key) ?? 0)) return;
  state.readUpTo.set(key, newest.sentTime);
  await state.client.request('read', { ...open, lastReadTime: newest.sentTime });
  if (open.conversationType === privateChat) {
    await state.client.send({ ...open, objectName: 'RC:ReadNtf', content: { lastMessageSendTime: newest.sentTime, messageUId: newest.messageUId, type: 1 } });
  }
  scheduleList();
}

async function send(event) {
  event.preventDefault();
  const text = $('#text').value.trim();
  if (!text || !state.open) return;
  const open = state.open;
  try {
    const { messageUId, sentTime } = await state.client.send({ ...open, objectName: 'RC:TxtMsg', content: { content: text } });
    thread(keyOf(open)).set(messageUId, { ...open, messageUId, sentTime, senderUserId: state.me, objectName: 'RC:TxtMsg', content: JSON.stringify({ content: text }) });
    $('#text').value = '';
    renderThread();
    scheduleList();
  } catch (err) {
    showNotice(`Not sent: ${err.message}`);
  }
}

async function recallMessage(key, message) {
  try {
    await state.client.request('recall', { messageUId: message.messageUId });
    thread(key).set(message.messageUId, { ...message, recalled: true });
    renderThread();
    scheduleList();
  } catch (err) {
    showNotice(`Not recalled: ${err.message}`);
  }
}

// --- connecting, going offline and back ---

async function connect() {
  setStatus('connecting');
  state.catchingUp = true;
  state.caughtUp = 0;
  await state.client.connect();
}

async function start(userId) {
  const response = await fetch('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
  const answer = await response.json();
  if (!response.ok) throw new Error(response.status === 404 ? 'this server does not run the development app, so it has no demo' : answer.errorMessage);
  state.me = answer.userId;
  state.groupId = answer.groupId;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const client = new ParleyClient({ url, token: answer.token, deviceId, platform: 'web', appKey: answer.appKey });
  state.client = client;
  client.on('message', receive);
  client.on('synced', () => {
    state.catchingUp = false;
    if (state.caughtUp > 0) showNotice(`Caught up: ${state.caughtUp} message${state.caughtUp === 1 ? '' : 's'} arrived while you were offline`);
    setStatus('online');
    scheduleList();
    scheduleRead();
  });
  client.on('close', () => setStatus('offline'));
  client.on('kicked', (reason) => showNotice(`Signed out by the server: ${reason}`));
  $('#pick').hidden = true;
  $('#chat').hidden = false;
  $('#me').hidden = false;
  $('#me').textContent = `you are ${state.me}`;
  await connect();
  renderList();
}

$('#pick-form').addEventListener('submit', (event) => {
  event.preventDefault();
  $('#pick-error').hidden = true;
  start($('#user-id').value.trim()).catch((err) => {
    $('#pick-error').hidden = false;
    $('#pick-error').textContent = err.message;
  });
});
$('#new-chat').addEventListener('submit', (event) => {
  event.preventDefault();
  const targetId = $('#peer-id').value.trim();
  $('#peer-id').value = '';
  if (targetId && targetId !== state.me) openConversation({ conversationType: privateChat, targetId }).catch((err) => showNotice(err.message));
});
$('#composer').addEventListener('submit', send);
$('#offline').addEventListener('click', () => state.client.close().then(() => setStatus('offline')));
$('#online').addEventListener('click', () => connect().catch((err) => showNotice(`Could not connect: ${err.message}`)));
