import { form, go, java, txt, type Replay } from './replay.js';

const json = { contentType: 'json' as const };

// sdk/push.go and sdk/user.go (Go, JSON bodies; PushNotification.android has no omitempty) and methods/push/**, methods/user/tag/** (Java, Gson).
export const pushRequests: Replay[] = [
  go('/user/tag/set.json', JSON.stringify({ userId: 'sh-a', tags: ['north', 'vip'] }), json),
  java('/user/tag/set.json', JSON.stringify({ userId: 'sh-b', tags: ['north'] }), json),
  go('/user/tag/batch/set.json', JSON.stringify({ userIds: ['sh-c', 'sh-d'], tags: ['south'] }), json),
  java('/user/tag/batch/set.json', JSON.stringify({ userIds: ['sh-c'], tags: ['south', 'vip'] }), json),
  go('/user/tags/get.json', form(['userIds', 'sh-a'], ['userIds', 'sh-c'])),
  java('/user/tags/get.json', 'userIds=sh-a&userIds=sh-b'),
  go(
    '/push.json',
    JSON.stringify({ platform: ['ios', 'android'], fromuserid: 'sh-a', audience: { tag: ['north'], is_to_all: false }, message: { objectName: 'RC:TxtMsg', content: txt('to the north') }, notification: { alert: 'news', android: null } }),
    json,
  ),
  java('/push.json', JSON.stringify({ platform: ['ios'], audience: { userid: ['sh-a', 'sh-b'], is_to_all: false }, notification: { alert: 'news', ios: { title: 'T', badge: 1, extras: { k: 'v' } } } }), json),
  go('/push/user.json', JSON.stringify({ userIds: ['sh-a'], notification: { title: 'T', pushContent: 'just you', ios: { badge: 2 } } }), json),
  java('/push/user.json', JSON.stringify({ userIds: ['sh-b'], notification: { title: 'T', pushContent: 'just you' } }), json),
  go('/push/custom.json', JSON.stringify({ platform: ['ios', 'android'], audience: { is_to_all: false, tagItems: [{ tags: ['vip'], isNot: false, tagsOperator: 'OR' }, { tags: ['south'], isNot: true, tagsOperator: 'OR', itemsOperator: 'AND' }] }, notification: { title: 'T', alert: 'vips' } }), json),
];
