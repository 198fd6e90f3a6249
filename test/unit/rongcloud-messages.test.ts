import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/model/message.js';
import { fromUpStream, toDownStream } from '../../src/gateway/rongcloud/messages.js';

const view = (fields: Partial<MessageView>): MessageView => ({
  messageUId: 'BJN3-LSG0-7MUC-OR7A',
  conversationType: 1,
  targetId: 'bob',
  busChannel: '',
  senderUserId: 'ann',
  objectName: 'RC:TxtMsg',
  content: '{"content":"hi"}',
  sentTime: 1_763_800_000_000,
  sender: { name: 'Ann', portraitUri: '' },
  pushContent: '',
  pushData: '',
  isStatus: false,
  isPersisted: true,
  isCounted: true,
  recalled: false,
  ...fields,
});

describe('RongCloud message mapping', () => {
  it('a private message names the other user, on both sides, with the direction telling who sent it', () => {
    // Received by bob: the view's targetId is the sender.
    expect(toDownStream(view({ targetId: 'ann' }), 'bob')).toMatchObject({ fromUserId: 'ann', type: 1, direction: 2, status: 48 });
    // Ann's own copy (another device, history): the view's targetId is bob.
    expect(toDownStream(view({ targetId: 'bob' }), 'ann')).toMatchObject({ fromUserId: 'bob', direction: 1 });
  });

  it('a group message names the sender and the group; a status message is marked', () => {
    const down = toDownStream(view({ conversationType: 3, targetId: 'g1', isStatus: true, isPersisted: false, isCounted: false }), 'bob');
    expect(down).toMatchObject({ fromUserId: 'ann', groupId: 'g1', type: 3, status: 0, extStatus: 64 });
  });

  it("reads a device's send: push fields, directed members, the app's own flags, the first expansion", () => {
    const send = fromUpStream({ conversationType: 3, status: false }, 'g1', {
      sessionId: 1 | 64,
      classname: 'App:Poll',
      content: '{}',
      pushText: 'new poll',
      toUserIds: ['bob'],
      clientUniqueId: 42,
      extraContent: '{"votes":"0"}',
    });
    expect(send).toEqual({
      conversationType: 3,
      targetId: 'g1',
      objectName: 'App:Poll',
      content: '{}',
      status: false,
      pushContent: 'new poll',
      pushData: undefined,
      toUserIds: ['bob'],
      busChannel: undefined,
      isPersisted: true,
      isCounted: false,
      clientMsgId: 'rc:42',
      expansion: { initial: { votes: '0' } },
    });
  });

  it("leaves RongCloud's own types to Parley's type registry, and refuses an expansion that is not JSON", () => {
    const send = fromUpStream({ conversationType: 1, status: false }, 'bob', { sessionId: 3, classname: 'RC:TxtMsg', content: '{}' });
    expect(send).not.toHaveProperty('isPersisted');
    expect(fromUpStream({ conversationType: 1, status: false }, 'bob', { sessionId: 64, classname: 'RC:TxtMsg', content: '{}', extraContent: '{' })).toBe('extraContent is not JSON');
  });
});
