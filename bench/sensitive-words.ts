/**
 * Sensitive-word scan cost: the same ~100-character messages scanned with no words, with
 * 10 words and with 10,000 words, each for a fixed time budget. The figure that matters
 * is the ratio of the 10,000-word cost to the 10-word cost measured in this same run:
 * one Aho–Corasick automaton should keep it close to 1.
 *
 * Run: npm run bench:sensitive-words
 */
import { SensitiveWordMatcher, type SensitiveWord } from '../src/core/sensitive-words.js';

const seed = 0x5eed;
/** Timed per case (the empty matcher gets a fifth of it), in rounds of `roundMs`. */
const budgetMs = 1_500;
const roundMs = 100;
const warmupMs = 200;
const messageCount = 200;
/** Share of messages that get one of the 10 shared words planted. */
const plantedShare = 0.2;

// Common characters, so generated Chinese words share prefixes with real text.
const commonHanzi =
  '的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵硬麦蒋操耶阻订彩抽赞魔纷沿喊违妹浪汇币丰蓝殊献桌啦瓦莱援译夺汽烧距裁偏符勇触课敬哭懂墙袭召罚侠厅拜巧侧韩冒债曼融惯享戴童犹乘挂奖绍厚纵障讯涉彻刊丈爆乌役描洗玛患妙镜唱烦签仙彼弗症仿倾牌陷鸟轰咱菜闭奋庆撤泪茶疾缘播朗杜奶季丹狗尾仪偷奔珠虫驻孔宜艾桥淡翼恨繁寒伴叹旦愈潮粮缩罢聚径恰挑袋灰捕徐珍幕映裂泰隔启尖忠累炎暂估泛荒偿横拒瑞忆孤鼻闹羊呆厉衡胞零穷舍码赫婆魂灾洪腿胆津俗辩胸晓劲贫仁偶辑邦恢赖圈摸仰润堆碰艇稍迟辆废净凶署壁御奉旋冬矿抬蛋晨伏吹鸡倍糊秦盾杯租骑乏隆诊奴摄丧污渡旗甘耐凭扎抢绪粗肩梁幻菲皆碎宙叔岩荡综爬荷悉蒂返井壮薄悄扫敏碍殖详迪矛霍允幅撒剩凯颗骂赏液番箱贴漫酸郎腰舒眉忧浮辛恋餐吓挺励辞艘键伍峰尺昨黎辈贯侦滑券崇扰宪绕趋慈乔阅汗枝拖墨胁插箭腊粉泥氏彭拔骗凤慧媒佩愤扑龄驱惜豪掩兼跃尸肃帕驶堡届欣惠册储飘桑闲惨洁踪勃宾频仇磨递邪撞拟滚奏巡颜剂绩贡疯坡瞧截燃焦殿伪柳锁逼颇昏劝呈搜勤戒驾漂饮曹朵仔柔俩孟腐幼践籍牧凉牲佳娜浓芳稿竹腹跌逻垂遵脉貌柏狱猜怜惑陶兽帐饰贷昌叙躺钢沟寄扶铺邓寿惧询汤盗肥尝匆辉奈扣廷澳嘛董迁凝慰厌脏腾幽怨鞋丢埋泉涌辖躲晋紫艰魏吾慌祝邮吐狠鉴曰械咬邻赤挤弯椅陪割揭韦悟聪雾锋梯猫祥阔誉筹丛牵鸣沈阁穆屈旨袖猎臂蛇贺柱抛鼠瑟戈牢逊迈欺吨琴衰瓶恼燕仲诱狼池疼卢仗冠粒遥吕玄尘冯抚浅敦纠钻晶岂峡苍喷耗凌敲菌赔涂粹扁亏寂煤熊恭湿循暖糖赋抑秩帽哀宿踏烂袁侯抖夹昆肝擦猪炼恒慎搬纽纹玻渔磁铜齿跨押怖漠疲叛遣兹祭醉拳弥斜档稀捷肤疫肿豆削岗晃吞宏癌肚隶履涨耀扭坛拨沃绘伐堪仆郭牺歼墓雇廉契拼惩捉覆刷劫嫌瓜歇雕闷乳串娃缴唤赢莲霸桃妥瘦搭赴岳嘉舱俊址庞耕锐缝悔邀玲惟斥宅添挖呵讼氧浩羽斤酷掠妖祸侍乙妨贪挣汪尿莉悬唇翰仓轨枚盐览傅帅庙芬屏寺胖璃愚滴疏萧姿颤丑劣柯寸扔盯辱匹俱辨饿蜂哦腔郁溃谨糟葛苗肠忌溜鸿爵鹏鹰笼丘桂滋聊挡纲肌茨壳痕碗穴膀卓贤卧膜毅锦欠哩函茫昂薛皱夸豫胃舌剥傲拾窝睁携陵哼棉晴铃填饲渴吻扮逆脆喘罩卜炉柴愉绳胎蓄眠竭喂傻慕浑奸扇柜悦拦诞饱乾泡贼亭夕爹酬儒姻卵氛泄杆挨僧蜜吟猩遂狭肖甜霞驳裕顽於摘矮秒卿畜咽披辅勾盆疆赌塑畏吵囊嗯泊肺骤缠冈羞瞪吊贾漏斑涛悠鹿俘锡卑葬铭滩嫁催璇翅盒蛮矣潘歧赐鲍锅廊拆灌勉盲宰佐啥胀扯禧辽抹筒棋裤唉朴咐孕誓喉妄拘链驰栏逝窃艳臭纤玑棵趁匠盈翁愁瞬婴孝颈倘浙谅蔽畅赠妮莎尉冻跪闯葡後厨鸭颠遮谊圳吁仑辟瘤嫂陀框谭亨钦庸歉芝吼甫衫摊宴嘱衷娇陕矩浦讶耸裸碧摧薪淋耻胶屠鹅饥盼脖虹翠崩账萍逢赚撑翔倡绵猴枯巫昭怔渊凑溪蠢禅阐旺寓藤匪伞碑挪琼脂谎慨菩萄狮掘抄岭晕逮砍挫氓曝';

const latinLetters = 'abcdefghijklmnopqrstuvwxyz';

const fragments = [
  'hi, are you coming tonight? ',
  'the meeting moved to 3pm, see the new invite. ',
  'lol that was hilarious 😂 ',
  'can you send me the report before Friday? ',
  'OK, thanks! Talk later. ',
  'I think the new release fixed the login bug. ',
  '今天晚上一起吃饭吗？',
  '我刚到公司，等一下给你打电话。',
  '这个周末天气不错，我们去爬山吧！',
  '文件已经发到你的邮箱了，请查收。',
  '好的，没问题，明天见。',
  '他说会议改到下午三点了。',
  '哈哈哈，太好笑了',
  '请把合同再看一遍，有问题随时联系我。',
  'ok 我知道了，thanks ',
];

function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const hanzi = [...commonHanzi];
const letters = [...latinLetters];

/** Half Chinese words of 2–4 common characters, half English-like words of 4–9 letters. */
function generateWords(count: number): SensitiveWord[] {
  const words: SensitiveWord[] = [];
  const seen = new Set<string>();
  while (words.length < count) {
    const chinese = random() < 0.5;
    const length = chinese ? 2 + Math.floor(random() * 3) : 4 + Math.floor(random() * 6);
    let word = '';
    for (let k = 0; k < length; k++) word += pick(chinese ? hanzi : letters);
    if (seen.has(word)) continue;
    seen.add(word);
    const type = random() < 0.2 ? 1 : 0;
    words.push({ word, replaceWord: type === 0 && random() < 0.5 ? '[censored]' : '', type });
  }
  return words;
}

/** ~100-character chat messages from the fragments; some get a word of `planted` inserted. */
function generateMessages(count: number, planted: readonly SensitiveWord[]): { messages: string[]; withHits: number } {
  const messages: string[] = [];
  let withHits = 0;
  for (let n = 0; n < count; n++) {
    const parts: string[] = [];
    let length = 0;
    while (length < 90) {
      const part = pick(fragments);
      parts.push(part);
      length += part.length;
    }
    if (random() < plantedShare) {
      const word = pick(planted).word;
      parts.splice(Math.floor(random() * (parts.length + 1)), 0, random() < 0.3 ? word.toUpperCase() : word);
      withHits++;
    }
    messages.push(parts.join(''));
  }
  return { messages, withHits };
}

interface Case {
  label: string;
  matcher: SensitiveWordMatcher;
  buildMs: number;
  /** Messages the matcher changes or blocks; also a check that it works at all. */
  changed: number;
  /** µs per message, one entry per timed round. */
  rounds: number[];
}

function prepare(label: string, words: readonly SensitiveWord[], messages: readonly string[]): Case {
  const buildStarted = performance.now();
  const matcher = new SensitiveWordMatcher(words);
  const buildMs = performance.now() - buildStarted;
  let changed = 0;
  for (const message of messages) {
    const result = matcher.scan(message);
    if (result.blocked.length > 0 || result.text !== message) changed++;
  }
  return { label, matcher, buildMs, changed, rounds: [] };
}

let sink = 0;

/** Scans the whole message set repeatedly for at least `ms`; returns µs per message. */
function timeRound(matcher: SensitiveWordMatcher, messages: readonly string[], ms: number): number {
  let scanned = 0;
  const started = performance.now();
  let elapsedMs = 0;
  do {
    for (const message of messages) {
      const result = matcher.scan(message);
      sink += result.text.length + result.blocked.length;
    }
    scanned += messages.length;
    elapsedMs = performance.now() - started;
  } while (elapsedMs < ms);
  return (elapsedMs * 1_000) / scanned;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const manyWords = generateWords(10_000);
// The 10 words are the first 10 of the 10,000, so planted hits are found by both.
const fewWords = manyWords.slice(0, 10);
const { messages, withHits } = generateMessages(messageCount, fewWords);
const averageLength = messages.reduce((sum, m) => sum + m.length, 0) / messages.length;

const cases = [prepare('no words', [], messages), prepare('10 words', fewWords, messages), prepare('10,000 words', manyWords, messages)];
const [empty, few, many] = cases as [Case, Case, Case];
if (few.changed < withHits || many.changed < withHits || empty.changed !== 0) {
  throw new Error(`planted words not found: ${withHits} planted, ${few.changed} / ${many.changed} messages changed`);
}

// Warm up, then alternate short rounds between the cases so that drift (CPU frequency,
// other processes) hits all of them alike; each case's figure is its median round.
for (const c of cases) timeRound(c.matcher, messages, warmupMs);
const rounds = Math.round(budgetMs / roundMs);
for (let round = 0; round < rounds; round++) {
  for (const c of cases) {
    if (c === empty && round % 5 !== 0) continue; // the empty matcher needs little time
    c.rounds.push(timeRound(c.matcher, messages, roundMs));
  }
}
if (sink === 0) throw new Error('nothing was scanned');
const micros = (c: Case) => median(c.rounds);

const fmt = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const row = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(14) : cell.padStart(13))).join('');
const lines = [
  `sensitive-words: scan ${messages.length} chat messages (avg ${fmt(averageLength, 0)} chars, ${withHits} with a planted word), seed ${seed}`,
  row(['case', 'words', 'build ms', 'messages/s', 'µs/message', 'hit messages', 'vs 10 words']),
  ...cases.map((c) =>
    row([c.label, fmt(c.matcher.size, 0), fmt(c.buildMs, 1), fmt(1e6 / micros(c), 0), fmt(micros(c), 3), fmt(c.changed, 0), `${fmt(micros(c) / micros(few), 2)}x`]),
  ),
  `ratio (10,000-word cost / 10-word cost, same run): ${fmt(micros(many) / micros(few), 2)}`,
  '',
];
process.stdout.write(lines.join('\n'));
