import { both, form, go, java, txt, type Replay } from './replay.js';

// sdk/user.go (Go) and methods/user/** (Java).
export const userRequests: Replay[] = [
  ...['sh-a', 'sh-b', 'sh-c', 'sh-d', 'sh-gone', 'sh-old'].flatMap((userId) => both('/user/getToken.json', form(['userId', userId], ['name', userId], ['portraitUri', 'http://p/x.png']))),
  ...both('/user/refresh.json', form(['userId', 'sh-a'], ['name', 'Ann'], ['portraitUri', 'http://p/a.png'])),
  ...both('/user/info.json', form(['userId', 'sh-a'])),
  ...both('/user/checkOnline.json', form(['userId', 'sh-a'])),
  go('/user/token/expire.json', form(['userId', 'sh-old'], ['time', 1_000])),
  java('/user/token/expire.json', form(['userId', 'sh-old'], ['userId', 'sh-d'], ['time', 1_000])),
  ...both('/user/block.json', form(['userId', 'sh-d'], ['minute', 10])),
  go('/user/block/query.json', ''),
  java('/user/block/query.json', form(['size', 50], ['page', 1])),
  ...both('/user/unblock.json', form(['userId', 'sh-d'])),
  ...both('/user/blacklist/add.json', form(['userId', 'sh-a'], ['blackUserId', 'sh-c'], ['blackUserId', 'sh-d'])),
  go('/user/blacklist/query.json', form(['userId', 'sh-a'])),
  java('/user/blacklist/query.json', form(['userId', 'sh-a'], ['pageToken', ''], ['size', 10])),
  ...both('/user/blacklist/remove.json', form(['userId', 'sh-a'], ['blackUserId', 'sh-c'], ['blackUserId', 'sh-d'])),
  ...both('/user/whitelist/add.json', form(['userId', 'sh-a'], ['whiteUserId', 'sh-b'])),
  go('/user/whitelist/query.json', form(['userId', 'sh-a'])),
  java('/user/whitelist/query.json', form(['userId', 'sh-a'], ['pageToken', ''], ['size', 10])),
  ...both('/user/whitelist/remove.json', form(['userId', 'sh-a'], ['whiteUserId', 'sh-b'])),
  // Go marshals its tagless struct ({Id, Remark}); Java appends its JSON text without encoding it.
  go('/user/remarks/set.json', form(['userId', 'sh-a'], ['remarks', JSON.stringify([{ Id: 'sh-b', Remark: 'Bee' }])])),
  java('/user/remarks/set.json', `userId=sh-a&remarks=${JSON.stringify([{ id: 'sh-c', remark: 'Sea' }])}`),
  go('/user/remarks/get.json', form(['userId', 'sh-a'], ['page', 0], ['size', 0])),
  java('/user/remarks/get.json', 'userId=sh-a&page=1&size=50'),
  go('/user/remarks/del.json', form(['userId', 'sh-a'], ['targetId', 'sh-b'])),
  java('/user/remarks/del.json', 'userId=sh-a&targetId=sh-c'),
  go('/user/blockPushPeriod/set.json', form(['userId', 'sh-a'], ['startTime', '22:00:00'], ['period', '360'], ['level', '1'])),
  java('/user/blockPushPeriod/set.json', 'userId=sh-c&startTime=23%3A00%3A00&period=120&level=5'),
  ...both('/user/blockPushPeriod/get.json', form(['userId', 'sh-a'])),
  ...both('/user/blockPushPeriod/delete.json', form(['userId', 'sh-c'])),
  go('/user/chat/fb/set.json', form(['userId', 'sh-d'], ['state', 1], ['type', 'PERSON'])),
  java('/user/chat/fb/set.json', form(['userId', 'sh-d'], ['userId', 'sh-old'], ['state', 0], ['type', 'PERSON'])),
  go('/user/chat/fb/querylist.json', form(['num', 100], ['offset', 0], ['type', 'PERSON'])),
  java('/user/chat/fb/querylist.json', form(['type', 'PERSON'], ['num', 100], ['offset', 0])),
  ...both('/user/query.json', form(['page', 1], ['pageSize', 20], ['order', 0])),
  // A private message to the user about to be deleted, so there is something to erase.
  go('/message/private/publish.json', form(['fromUserId', 'sh-a'], ['toUserId', 'sh-gone'], ['objectName', 'RC:TxtMsg'], ['content', txt('bye')])),
  go('/user/deactivate.json', form(['userId', 'sh-gone'])),
  java('/user/deactivate.json', form(['userId', 'sh-gone,sh-old'])),
  go('/user/deactivate/query.json', form(['pageNo', 1], ['pageSize', 50])),
  java('/user/deactivate/query.json', 'pageNo=1&pageSize=50'),
  go('/user/reactivate.json', form(['userId', 'sh-gone'])),
  java('/user/reactivate.json', 'userId=sh-gone,sh-old'),
  java('/user/activate.json', form(['userId', 'sh-old'])),
  go('/user/delusers.json', form(['userId', 'sh-old'], ['userId', 'sh-gone'])),
  java('/user/delusers.json', form(['userId', 'sh-gone,sh-old'])),
];

// sdk/friend.go and methods/profile/Friend.java: the same fields, comma-joined lists.
export const friendRequests: Replay[] = [
  ...both('/friend/permission/set.json', form(['userIds', 'sh-b,sh-c'], ['permissionType', 1])),
  ...both('/friend/permission/get.json', form(['userIds', 'sh-b,sh-c'])),
  go('/friend/add.json', form(['userId', 'sh-a'], ['targetId', 'sh-b'], ['optType', 2], ['extra', 'hi'])),
  java('/friend/add.json', form(['userId', 'sh-a'], ['targetId', 'sh-c'], ['optType', 1], ['extra', ''])),
  ...both('/friend/check.json', form(['userId', 'sh-a'], ['targetIds', 'sh-b,sh-c'])),
  go('/friend/get.json', form(['userId', 'sh-a'], ['size', 50], ['order', 0])),
  java('/friend/get.json', form(['userId', 'sh-a'], ['pageToken', ''], ['size', 50], ['order', 1])),
  ...both('/friend/delete.json', form(['userId', 'sh-a'], ['targetIds', 'sh-b'])),
  ...both('/friend/clean.json', form(['userId', 'sh-a'])),
];

// sdk/sensitive.go and methods/sensitive/SensitiveWord.java.
export const sensitiveRequests: Replay[] = [
  ...both('/sensitiveword/add.json', form(['word', 'apple'], ['replaceWord', '***'])),
  java('/sensitiveword/batch/add.json', JSON.stringify({ words: [{ word: 'pear', replaceWord: '' }, { word: 'plum', replaceWord: 'p**m' }] }), { contentType: 'json' }),
  go('/sensitiveword/list.json', ''),
  java('/sensitiveword/list.json', form(['type', 1])),
  java('/sensitiveword/delete.json', form(['word', 'plum'])),
  ...both('/sensitiveword/batch/delete.json', form(['words', 'apple'], ['words', 'pear'])),
];
