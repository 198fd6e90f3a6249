import type { SendTopic } from './messages.js';

/**
 * Every topic RongCloud's Web SDK 5.38 may put in a client PUBLISH or QUERY
 * (docs/rongcloud-client-protocol.md §6, §7). A topic Parley does not serve is answered
 * with "not supported" so the SDK carries on without that feature; a topic outside
 * this list is not RongCloud's protocol at all, and the connection is closed.
 */
const rongCloudTopics = `
ppMsgP ppMsgS pgMsgS pgMsgP chatMsg pcMsgP prMsgS pbMsgP qryPMsg qryGMsg qryCHMsg qryCMsg qrySMsg
qryMCMsg qryMPMsg recallMsg rrMsg rrList s_ntf s_msg s_stat s_cmd s_us transLan autoTrans pullUS
sendMsgRead qryMsgRead qryMsgReadCntBatch updRTime qryRLBatch chatMsgS qrySessionsAtt pullMsg
qrySessions delSessions delMsg delUgMsg delUgSe updRRTime qrySessionsUnread setTypeUnpush chrmPull
joinChrm joinChrmR exitChrm queryChrmI setKV delKV setKVS delKVS pullKV qryRelation qryRelationR
qryRelationFilter delRelation delRelationBatch pullSe pullSeAtts setSeAtt qnTkn qnUrl aliUrl s3Url
stcUrl minioUrl cleanPMsg cleanGMsg cleanCMsg cleanSMsg cleanMCMsg cleanMPMsg cleanMsgBatch rtcPing
rtc_ntf rtcSetOutData rtcQryUserOutData addSeTag delSeTag addTag delTag reportsdk pullUgSes
pullUgMsg ugMsg qryUgMsg updUgRTime upMsgEx modifyMsg qryMsgChange qryMsg operate s_opNtf
ugUnpushQuery ugUnpushSet setRtcRoomId qryUgUal updUserSub pullUserSub pullSubData qrySubData
pullUserProfile pullOwnProfile updProfilePermiss qProfilePermiss searchUserProfile updUserProfile
pullEventChange channelCreate upChannelInfo qChannelInfo channelMemKick channelMemQuit
channelDismiss channelTransfer upChannelManager qChannelMem qChannelSpeMem upChannelMem
channelMemJoin channelMemInvite channelApplyResp qChannelApplyList qChannelMemJoin
qChannelMemSpeJoin upChannelRemark qChannelRemark upChannelFollow qChannelFollow qSimpleUserProfile
friendAdd friendDel friendHandle friendSetPf friendCheck friendsQuery friendApplyDel friendsInfoQry
friendAuthSet friendAuthGet addUnpush qryUnpush delUnpush s_pubCall reqCall pullKvMsg readReceipt
qryReceipt qryReceiptBatch upConvertMsg pullModifyMsg qAppBot qBot
rtcRJoin_data rtcRExit rtcUPut rtcUDel rtcSetData userSetData rtcQryData rtcDelData rtcToken
rtcUserState rtcUList viewerJoinR viewerExitR rtcIdentityChange rtcInvite rtcCancelInvite
rtcInviteAnswer rtcEndInvite rtcQueryJoined
`;

const known = new Set(rongCloudTopics.split(/\s+/).filter(Boolean));

export function isRongCloudTopic(topic: string): boolean {
  return known.has(topic);
}

/** Send topics (client PUBLISH) and the conversation type each carries. */
export const sendTopics: Readonly<Record<string, SendTopic>> = {
  ppMsgP: { conversationType: 1, status: false },
  ppMsgS: { conversationType: 1, status: true },
  pgMsgP: { conversationType: 3, status: false },
  pgMsgS: { conversationType: 3, status: true },
  chatMsg: { conversationType: 4, status: false },
  ugMsg: { conversationType: 10, status: false },
};

/** History queries and the conversation type each reads. */
export const historyTopics: Readonly<Record<string, number>> = {
  qryPMsg: 1,
  qryGMsg: 3,
  qryCHMsg: 4,
  qrySMsg: 6,
  qryUgMsg: 10,
};

/** Server → client topics. */
export const serverTopics = {
  /** `NotifyMsg`: pull now (type 1: the inbox). */
  notify: 's_ntf',
  /** `NotifyMsg`: a command (type 2: pull a room's key/values). */
  command: 's_cmd',
  /** `DownStreamMessage` delivered as is (room messages, status messages, copies that are not in the inbox). */
  message: 's_msg',
} as const;

/** RongCloud METHOD_NOT_SUPPORT: a known topic Parley does not serve. */
export const notSupportedStatus = 34022;
