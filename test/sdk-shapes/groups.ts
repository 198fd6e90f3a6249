import { both, form, go, java, txt, type Replay } from './replay.js';

// sdk/group.go (Go) and methods/group/** (Java): members as repeated `userId` keys.
export const groupRequests: Replay[] = [
  ...both('/group/create.json', form(['userId', 'sh-a'], ['userId', 'sh-b'], ['groupId', 'sh-g'], ['groupName', 'Group'])),
  go('/group/sync.json', form(['userId', 'sh-c'], ['group[sh-g]', 'Group'], ['group[sh-g2]', 'Two'])),
  java('/group/sync.json', 'userId=sh-c&group[sh-g]=Group&group[sh-g2]=Two'),
  ...both('/group/refresh.json', form(['groupId', 'sh-g'], ['groupName', 'Renamed'])),
  ...both('/group/join.json', form(['userId', 'sh-d'], ['groupId', 'sh-g'], ['groupName', 'Renamed'])),
  ...both('/group/user/query.json', form(['groupId', 'sh-g'])),
  ...both('/user/group/query.json', form(['userId', 'sh-a'])),
  ...both('/group/user/gag/add.json', form(['userId', 'sh-d'], ['groupId', 'sh-g'], ['minute', 10])),
  ...both('/group/user/gag/list.json', form(['groupId', 'sh-g'])),
  ...both('/group/user/gag/rollback.json', form(['userId', 'sh-d'], ['groupId', 'sh-g'])),
  ...both('/group/ban/add.json', form(['groupId', 'sh-g2'])),
  go('/group/ban/query.json', form(['groupId', 'sh-g2'], ['page', 1], ['size', 50])),
  java('/group/ban/query.json', ''),
  ...both('/group/user/ban/whitelist/add.json', form(['userId', 'sh-c'], ['userId', 'sh-d'], ['groupId', 'sh-g2'])),
  ...both('/group/user/ban/whitelist/query.json', form(['groupId', 'sh-g2'])),
  ...both('/group/user/ban/whitelist/rollback.json', form(['userId', 'sh-c'], ['groupId', 'sh-g2'])),
  ...both('/group/ban/rollback.json', form(['groupId', 'sh-g2'])),
];

/** Dismissed and quit last, after the message requests used the groups. */
export const groupEndRequests: Replay[] = [
  ...both('/group/quit.json', form(['userId', 'sh-d'], ['groupId', 'sh-g'])),
  go('/group/dismiss.json', form(['userId', 'sh-c'], ['groupId', 'sh-g2'])),
  java('/group/dismiss.json', form(['userId', 'sh-a'], ['groupId', 'sh-g'])),
];

// sdk/conversation.go (Go) and methods/conversation/Conversation.java.
export const conversationRequests: Replay[] = [
  go('/conversation/notification/set.json', form(['requestId', 'sh-a'], ['conversationType', 3], ['targetId', 'sh-g'], ['isMuted', 1], ['busChannel', ''])),
  java('/conversation/notification/set.json', form(['conversationType', 1], ['requestId', 'sh-a'], ['targetId', 'sh-b'], ['isMuted', 0], ['unpushLevel', 0])),
  go('/conversation/notification/get.json', form(['requestId', 'sh-a'], ['conversationType', 3], ['targetId', 'sh-g'], ['busChannel', ''])),
  java('/conversation/notification/get.json', form(['conversationType', 1], ['requestId', 'sh-a'], ['targetId', 'sh-b'])),
  go('/conversation/type/notification/set.json', form(['conversationType', 1], ['requestId', 'sh-a'], ['unpushLevel', 1])),
  go('/conversation/type/notification/get.json', form(['conversationType', 1], ['requestId', 'sh-a'])),
  go('/conversation/top/set.json', form(['userId', 'sh-a'], ['conversationType', 3], ['targetId', 'sh-g'], ['setTop', 'true'])),
  java('/conversation/top/set.json', form(['userId', 'sh-a'], ['conversationType', 1], ['targetId', 'sh-b'], ['setTop', false])),
];

// sdk/message.go (Go) and methods/message/** (Java).
export const messageRequests: Replay[] = [
  go('/message/private/publish.json', form(['fromUserId', 'sh-a'], ['toUserId', 'sh-b'], ['toUserId', 'sh-c'], ['objectName', 'RC:TxtMsg'], ['content', txt('hi')], ['pushData', ''], ['pushContent', ''], ['count', 1], ['verifyBlacklist', 0], ['isPersisted', 1], ['contentAvailable', 0], ['isIncludeSender', 1], ['expansion', true], ['disablePush', false], ['isCounted', 1], ['extraContent', JSON.stringify({ k: 'v' })], ['disableUpdateLastMsg', false]), { capture: 'goPrivate' }),
  java('/message/private/publish.json', form(['fromUserId', 'sh-a'], ['toUserId', 'sh-b'], ['objectName', 'RC:TxtMsg'], ['content', txt('hi')], ['pushContent', 'push'], ['pushData', 'data'], ['count', 1], ['verifyBlacklist', 0], ['isPersisted', 1], ['isCounted', 1], ['isIncludeSender', 0], ['contentAvailable', 0], ['disablePush', false], ['expansion', true], ['msgRandom', 12345], ['disableUpdateLastMsg', false], ['needReadReceipt', 0]), { capture: 'javaPrivate' }),
  go('/statusmessage/private/publish.json', form(['fromUserId', 'sh-a'], ['toUserId', 'sh-b'], ['objectName', 'RC:TypSts'], ['content', JSON.stringify({ typingContentType: 'RC:TxtMsg' })], ['verifyBlacklist', 0], ['isIncludeSender', 0], ['isCounted', 0])),
  java('/statusmessage/private/publish.json', form(['fromUserId', 'sh-a'], ['toUserId', 'sh-b'], ['objectName', 'RC:TypSts'], ['content', JSON.stringify({ typingContentType: 'RC:TxtMsg' })], ['verifyBlacklist', 0], ['isIncludeSender', 0], ['isPersisted', 0], ['isCounted', 0])),
  go('/message/system/publish.json', form(['fromUserId', 'sh-sys'], ['toUserId', 'sh-a'], ['objectName', 'RC:TxtMsg'], ['content', txt('notice')], ['pushData', ''], ['pushContent', ''], ['count', 1], ['isPersisted', 1], ['contentAvailable', 0], ['disablePush', false], ['disableUpdateLastMsg', false]), { capture: 'goSystem' }),
  java('/message/system/publish.json', form(['fromUserId', 'sh-sys'], ['toUserId', 'sh-a'], ['toUserId', 'sh-b'], ['objectName', 'RC:TxtMsg'], ['content', txt('notice')], ['isPersisted', 1], ['isCounted', 1], ['contentAvailable', 0], ['disablePush', false], ['disableUpdateLastMsg', false])),
  ...(['/message/private/publish_template.json', '/message/system/publish_template.json'] as const).flatMap((path) => [
    go(path, JSON.stringify({ fromUserId: 'sh-sys', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: '{name}, hello' }), toUserId: ['sh-a', 'sh-b'], values: [{ '{name}': 'Ann' }, { '{name}': 'Bob' }], pushContent: ['p', 'p'], pushData: ['', ''], verifyBlacklist: 0, contentAvailable: 0, disablePush: false, isCounted: 1 }), { contentType: 'json' }),
    java(path, JSON.stringify({ fromUserId: 'sh-sys', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: '{name}, hello' }), toUserId: ['sh-a'], values: [{ '{name}': 'Ann' }], pushContent: ['p'], pushData: [null], verifyBlacklist: 0, contentAvailable: 0 }), { contentType: 'json' }),
  ]),
  go('/message/group/publish.json', form(['fromUserId', 'sh-a'], ['toGroupId', 'sh-g'], ['objectName', 'RC:TxtMsg'], ['content', txt('group')], ['pushContent', ''], ['pushData', ''], ['isPersisted', 1], ['isIncludeSender', 0], ['isMentioned', 0], ['contentAvailable', 0], ['expansion', true], ['disablePush', false], ['disableUpdateLastMsg', false]), { capture: 'goGroup' }),
  java('/message/group/publish.json', form(['fromUserId', 'sh-a'], ['toGroupId', 'sh-g'], ['objectName', 'RC:TxtMsg'], ['content', JSON.stringify({ content: '@all', mentionedInfo: { type: 1, userIdList: [] } })], ['pushContent', ''], ['isPersisted', 1], ['isIncludeSender', 0], ['contentAvailable', 0], ['isMentioned', 1], ['isCounted', 1], ['needReadReceipt', 0]), { capture: 'javaGroup' }),
  go('/statusmessage/group/publish.json', form(['fromUserId', 'sh-a'], ['toGroupId', 'sh-g'], ['objectName', 'RC:TypSts'], ['content', JSON.stringify({ typingContentType: 'RC:TxtMsg' })], ['verifyBlacklist', 0], ['isIncludeSender', 0])),
  java('/statusmessage/group/publish.json', form(['fromUserId', 'sh-a'], ['toGroupId', 'sh-g'], ['objectName', 'RC:TypSts'], ['content', JSON.stringify({ typingContentType: 'RC:TxtMsg' })], ['verifyBlacklist', 0], ['isIncludeSender', 0], ['isPersisted', 0], ['isCounted', 0])),
  java('/message/discussion/publish.json', form(['fromUserId', 'sh-a'], ['toDiscussionId', 'sh-g'], ['objectName', 'RC:TxtMsg'], ['content', txt('discussion')], ['pushContent', ''], ['pushData', ''], ['isPersisted', 1], ['isCounted', 1], ['isIncludeSender', 0], ['contentAvailable', 0]), { capture: 'javaDiscussion' }),
  go('/message/broadcast.json', form(['fromUserId', 'sh-sys'], ['objectName', 'RC:TxtMsg'], ['content', txt('everyone')], ['pushContent', ''], ['pushData', ''], ['contentAvailable', 0], ['disableUpdateLastMsg', false]), { capture: 'goBroadcast' }),
  java('/message/broadcast.json', form(['fromUserId', 'sh-sys'], ['objectName', 'RC:TxtMsg'], ['content', txt('everyone')], ['pushContent', ''], ['pushData', ''], ['os', 'iOS'], ['contentAvailable', 0], ['disablePush', false], ['disableUpdateLastMsg', false]), { capture: 'javaBroadcast' }),
  ...both('/message/online/broadcast.json', form(['fromUserId', 'sh-sys'], ['objectName', 'RC:TxtMsg'], ['content', txt('online')], ['disableUpdateLastMsg', false])),

  // Expansion on the messages above (sent with expansion=true); Java encodes the map as JSON text too.
  ...both('/message/expansion/set.json', form(['msgUID', 'UIDgoPrivate'], ['userId', 'sh-a'], ['conversationType', 1], ['targetId', 'sh-b'], ['extraKeyVal', JSON.stringify({ k2: 'v2' })], ['isSyncSender', 0])),
  ...both('/message/expansion/query.json', form(['msgUID', 'UIDgoPrivate'], ['pageNo', 1])),
  ...both('/message/expansion/delete.json', form(['msgUID', 'UIDgoPrivate'], ['userId', 'sh-a'], ['conversationType', 1], ['targetId', 'sh-b'], ['extraKey', JSON.stringify(['k2'])], ['isSyncSender', 0])),

  java('/message/private/modify.json', form(['fromUserId', 'sh-a'], ['targetId', 'sh-b'], ['msgUID', 'UIDjavaPrivate'], ['objectName', 'RC:TxtMsg'], ['content', txt('edited')])),
  java('/message/group/modify.json', form(['fromUserId', 'sh-a'], ['groupId', 'sh-g'], ['msgUID', 'UIDgoGroup'], ['objectName', 'RC:TxtMsg'], ['content', txt('edited')])),

  go('/message/recall.json', form(['fromUserId', 'sh-a'], ['targetId', 'sh-b'], ['messageUID', 'UIDjavaPrivate'], ['sentTime', 'TIMEjavaPrivate'], ['conversationType', 1], ['disablePush', false], ['isAdmin', 0], ['isDelete', 0], ['busChannel', ''], ['disableUpdateLastMsg', false])),
  java('/message/recall.json', form(['conversationType', 3], ['fromUserId', 'sh-a'], ['targetId', 'sh-g'], ['messageUID', 'UIDjavaGroup'], ['sentTime', 'TIMEjavaGroup'], ['isAdmin', 0], ['isDelete', 0], ['extra', ''], ['disableUpdateLastMsg', false])),
  java('/message/recall.json', form(['conversationType', 2], ['fromUserId', 'sh-a'], ['targetId', 'sh-g'], ['messageUID', 'UIDjavaDiscussion'], ['sentTime', 'TIMEjavaDiscussion'], ['isAdmin', 0], ['isDelete', 1], ['extra', ''])),
  go('/message/recall.json', form(['fromUserId', 'sh-sys'], ['conversationType', 6], ['targetId', 'sh-a'], ['messageUID', 'UIDgoSystem'], ['sentTime', 'TIMEgoSystem'], ['disablePush', false], ['isAdmin', 0], ['isDelete', 0], ['busChannel', ''], ['disableUpdateLastMsg', false])),
  go('/message/broadcast/recall.json', form(['fromUserId', 'sh-sys'], ['messageUID', 'UIDgoBroadcast'], ['sentTime', 'TIMEgoBroadcast'], ['isAdmin', 0], ['isDelete', 0], ['extra', ''], ['disableUpdateLastMsg', false])),
  java('/message/broadcast/recall.json', form(['fromUserId', 'sh-sys'], ['messageUID', 'UIDjavaBroadcast'], ['sentTime', 'TIMEjavaBroadcast'], ['isAdmin', 0], ['isDelete', 0], ['extra', ''], ['disableUpdateLastMsg', false])),

  // The Go SDK sends every v3 query value as a string; Java as numbers and booleans.
  ...(['private', 'group'] as const).flatMap((kind) => [
    go(`/v3/message/${kind}/query.json`, JSON.stringify({ userId: 'sh-b', targetId: kind === 'private' ? 'sh-a' : 'sh-g', startTime: '0', endTime: 'NOW', includeStart: 'true', pageSize: '20' }), { contentType: 'json' }),
    java(`/v3/message/${kind}/query.json`, JSON.stringify({ userId: 'sh-b', targetId: kind === 'private' ? 'sh-a' : 'sh-g', startTime: 0, endTime: 'NOW', includeStart: true, pageSize: 20 }).replace('"NOW"', 'NOW'), { contentType: 'json' }),
  ]),
  go('/v3/message/chatroom/query.json', JSON.stringify({ userId: 'sh-b', targetId: 'sh-room', startTime: '0', endTime: 'NOW', includeStart: 'false' }), { contentType: 'json' }),
  java('/v3/message/chatroom/query.json', JSON.stringify({ userId: 'sh-b', targetId: 'sh-room', startTime: 0, endTime: 'NOW', includeStart: false }).replace('"NOW"', 'NOW'), { contentType: 'json' }),
  ...both('/conversation/message/history/clean.json', form(['conversationType', 1], ['fromUserId', 'sh-b'], ['targetId', 'sh-a'], ['msgTimestamp', 'NOW'])),
  ...both('/message/history.json', form(['date', 'HOUR'])),
  ...both('/message/history/delete.json', form(['date', 'HOUR'])),
];
