"""What the person wants at this turn (intent) and what they said (slots), before any flow consumes it.

Like Rasa's NLU feeding its dialogue policy: the engine first asks `understand()` what a message is
for, and only a message that answers the step it is at (intent "answer") reaches the step's validator.
A question, a correction or another request is handled as such and the step waits, so a question is
never taken as a choice and nothing said is lost. Pure Python (no flask / sqlalchemy / wechatpy).

Precedence, in words: a navigation command said as the whole message; an explicit request about an
existing filing (撤 / 改 / 谁办的 / 办好了吗); a question about a term; an explicit request to file;
an answer to the step; the other topics (a disease, a hospital, money); small talk; unclear. An explicit
action outranks a topic word: "有高血压，想办个备案" is a filing request that keeps the disease as a slot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date

from dialogs import nlu
from dialogs.categories import CATEGORIES, LONG_TERM_CATEGORIES, TEMPORARY_CATEGORIES
from dialogs.nlu_dates import shifted
from dialogs.nlu_numbers import parse_amount, spoken_digits

INTENTS = (
    "file", "my_filings", "who_filed", "cancel_filing", "change_filing", "find_institution", "will_settle",
    "chronic_check", "estimate", "explain", "help", "human", "large_text", "normal_text", "language", "back",
    "restart", "stop", "answer", "correct", "bind_identity", "chitchat", "unclear",
)
# Intents that start or switch to a conversation of their own.
TOPICS = ("file", "my_filings", "who_filed", "cancel_filing", "change_filing", "find_institution", "will_settle",
          "chronic_check", "estimate", "bind_identity")

# --- words -------------------------------------------------------------------------------------------

FILING_WORD = r"(?:备案|备个案|备过案|备的案|被案|备按|背案|登记|异地就医|异地医保|异地备|报备)"
_QUESTION_END = re.compile(r"(?:吗|么|嘛|呢|没有?|不|没|否|啊\?|\?)\s*$")
_QUESTION_WORD = re.compile(r"什么|啥|咋|怎么|怎样|如何|为什么|为啥|干嘛|干啥|哪(?!天|个月)|多少|是不是|能不能|可不可以|算不算|"
                            r"会不会|有没有|要不要|行不行|是否|吗|呢|\?|^(?:what|why|how|is|are|can|do|does|will|"
                            r"should|could|which|where|when|who)\b")

TERMS = (
    ("commitment_letter", r"承诺书|承诺制|承诺|承若|承偌|保证书|写的不对|写得不对|不属实|能签|认承诺|认不认|promise letter|promise|commitment letter|"
                          r"commitment"),
    ("lock_period", r"还能改|能不能改|可以改|能改吗|能改不|改得了|改不了|还能变更|能变更|不能变更|不能改|还能取消|能不能取消|"
                    r"锁定|锁|多久.{0,4}改|几个月.{0,4}改|change it later|cancel it later|lock"),
    ("manual_reimbursement", r"手工报销|手工报|回去报|回参保地报|先垫|垫付|垫钱|自己先付|回去再报|manual reimbursement|"
                             r"pay first"),
    ("direct_settlement", r"直接结算|直接报销|直接刷|直接报|即时结算|直接给报|direct settlement|settle directly"),
    ("chronic_disease", r"门诊慢特病|慢特病|慢性病|门特|门慢|慢病|chronic disease"),
    ("qualification", r"资格认定|认定|资格|qualification"),
    ("networked_institution", r"联网医院|联网|定点医院|定点医疗机构|定点|networked|designated"),
    ("deductible", r"起付线|起付标准|起付|门槛费|门槛|免赔|deductible"),
    ("reimbursement_ratio", r"报销比例|报销比率|比例|报几成|能报几成|ratio|percentage"),
    ("fee", r"收钱|收费|花钱|要钱|付钱|免费|手续费|cost money|fee|free of charge|is it free"),
    ("consent", r"授权|让我(?:帮|替|给)(?:他|她|老人)办|让我代办|怎么代办|代办怎么|邀请怎么|怎么邀请|发邀请|who can act|give consent|"
                r"act for (?:him|her|them)"),
    ("validity", r"有效期|管多长|管多久|能用多久|去几次|去好几趟|几趟|多次|来回跑|复查能|how long (?:is|does) it (?:valid|last)|"
                 r"several times|more than once"),
    ("e_voucher", r"医保电子凭证|电子凭证|医保码|电子医保卡|带什么|带啥|要带|拿什么|证件|身份证还是|医保卡|社保卡|"
                  r"e-voucher|evoucher|e voucher|what (?:to|should i) bring"),
    ("insured_area", r"参保地|参保|insured area|insured place"),
    ("treatment_area", r"就医地|就医城市|treatment area|place of treatment"),
    ("category", r"人员类别|类别|哪一类|哪类人|什么人员|哪种人|算哪种|算哪一?类|属于哪|长期.{0,3}临时|临时.{0,3}长期|"
                 r"异地安置|退休人员|长期居住人员|常驻异地|工作人员|转诊就医|急诊抢救|临时外出|"
                 r"长期居住.{0,6}退休|退休.{0,6}长期居住|category"),
    ("filing", r"异地就医备案|备案|备个案|还能再办|再办|filing|file|register"),
)
_TERM_RES = tuple((code, re.compile(pattern)) for code, pattern in TERMS)
_EXPLAIN_CUE = re.compile(
    r"(?:什么是|啥是|啥叫|什么叫|何为|何谓|是什么|是啥|啥意思|什么意思|是干嘛|是干啥|干嘛用|干什么用|有什么用|有啥用|"
    r"指的是|是指|指哪些|怎么理解|解释|说说|讲讲|介绍一下|没听说过|会怎么样|会怎样|会咋样|咋样呢|有什么后果|有啥后果|"
    r"有什么区别|有啥区别|什么区别|啥区别|有啥不一样|有什么不一样|不一样吗|区别是|是真的吗|真的吗|有法律效力|效力|"
    r"还能再|能不能再|在哪办|去哪办|怎么办理|哪些病|什么病|算哪种|算哪一?类|属于哪|是哪一?类|要退钱|退钱吗|要赔|"
    r"要先.{0,4}吗|要不要先|是必须|必须.{0,4}吗|一定要.{0,4}吗|多久不能|几个月不能|多长时间|还能改|还能变更|还能取消|能改不|改得了吗|以后能改|"
    r"能改吗|可以改吗|是多久|多久|多长|有啥后果|啥后果|要钱吗|收钱|收费|花钱|要带|带什么|带啥|什么证件|what if|"
    r"\bfree\b|cost anything|does it cost|should i bring|do i bring|to bring|咋弄才能|怎么才能|能不能去|能去几|"
    r"能签(?:这个)?(?:不|吗)|认不认|认承诺书|接不接受|接受承诺书|"
    r"为什么要|为啥要|为什么得|为啥得|干嘛要|必须要|一定要|非得|要签吗|签了会|^what\s+(?:is|are|does|do)|"
    r"\bmean\b|\bmeaning\b|\bexplain\b|why\s+(?:do|should|must)\s+i)")

# The words that ask for a language, removed to read what else the message asks for.
_LANG_PHRASE = re.compile(r"[,，.。!！]?\s*(?:(?:can you |could you |please )?(?:reply |speak |answer |talk )?(?:in )?english"
                          r"(?: please)?|(?:请)?(?:用|说|讲|换成?|改成?)?(?:英文|英语|中文|汉语|普通话)(?:回复|回答|说|吧|好吗)?|"
                          r"(?:in |speak |use )?chinese(?: please)?)\s*[,，.。!！]?", re.IGNORECASE)
_LANG_EN = re.compile(r"english|英文|英语|说英|讲英|用英|in english")
_LANG_ZH = re.compile(r"说中文|讲中文|用中文|中文回|换中文|改中文|切换中文|换成中文|改成中文|用回中文|说汉语|讲普通话|说普通话|"
                     # "its in chinese" (what a card says) is no request: only asking for it switches.
                     r"(?:speak|use|back to|switch to|change to|go to|reply in|answer in|write in|talk in|"
                     r"(?:do|continue|carry on) (?:this |it |that )?in|talk to me in|write to me in) "
                     r"chinese|chinese please|中文就行|中文吧")
_LARGE = re.compile(r"字太小|(?<!不用)(?<!不要)(?<!关掉)字小|字好小|字有点小|看不清|看不见|看不太清|瞅不清|瞧不清|老花|眼花|"
                    r"眼睛不好|眼神不好|调大|字.{0,2}大(?:一)?点|"
                    r"字大点|字大一点|字放大|放大|大点的字|大点字|大一点的字|大号字|大字|长辈模式|老年模式|关怀模式|"
                    r"bigger|larger|large text|big text|big font|can'?t read (?:it|this|the text)|too small")
_NORMAL = re.compile(r"字太大|字大了|字小点|字小一点|正常字|正常大小|恢复正常|普通模式|正常模式|标准模式|小字|"
                     r"不用大字|不要大字|关掉大字|不用.{0,2}大字|调回去|调小|变回原来|调回原来|恢复原来|原来那么大|"
                     r"normal font|regular (?:font|size|text)|"
                     r"关掉大字|关闭大字|不要大字|取消大字|normal text|normal size|smaller|small text|too big")
# "I don't need anyone to call me", "不用打电话", "was it a real person who checked it?": no call-back wanted.
_NOT_HUMAN = re.compile(r"(?:don'?t|do not|no|nobody|no one|never) (?:need|want)?\s*(?:anyone|anybody|someone|a person|"
                        r"to be called|a call|staff)?.{0,12}(?:call|contact|ring)|nobody needs|no one needs|"
                        r"不用(?:给我)?(?:打电话|联系|回电|人工|客服)|不需要(?:人工|客服|打电话|联系)|别(?:给我)?打电话|"
                        r"(?:reviewed|checked|looked at|approved).{0,30}(?:real person|human|a person|staff)|"
                        r"(?:real person|human|a person|staff).{0,30}(?:reviewed|checked|looked at|approved)|"
                        r"(?:人工|工作人员|真人).{0,4}(?:审|看过|核)|(?:审核|审).{0,6}(?:人工|真人|工作人员)")
_HUMAN = re.compile(r"人工|真人|客服|(?<!异地)(?<!常驻)工作人员(?!备案)|找个人|找人问|叫个人|来个人|打电话给我|给我打电话|"
                    r"回电话|来电话|打我电话|转接|接线员|打给我|"
                    r"经办人员|窗口的人|human|real person|a person|call me|speak to someone|talk to someone|operator")
_HELP = re.compile(r"^(?:帮助|help|怎么用|咋用|使用说明|操作说明|怎么操作|你能干什么|你能做什么|你会什么|你能干啥|"
                   r"都能干啥|有什么功能|能帮我什么|能帮我干啥|你是谁|你是干嘛的|what can you do|how does this work|"
                   r"how do i use this|菜单|功能)[吗呢啊呀?]*$|怎么用|咋用|怎么操作|能干什么|能干啥|能做什么|能帮我做什么|"
                   r"能帮我干啥|有哪些功能|有啥功能|有什么功能|都有什么|what can you do|how do i use|how does this work|"
                   r"不会用|不会操作|不知道怎么弄|不知道咋弄|不知道咋整|这咋弄|咋弄啊|要我干嘛|要我干啥|我该干嘛|我该做什么|"
                   r"能帮我做点|能做点啥|能干点啥|帮我做什么|该说啥|该说什么|说什么好|给点提示|提示一下|怎么填|咋填|怎么回答|"
                   r"这一步.{0,4}(?:干嘛|干啥|做什么)")
_CHITCHAT_TOKENS = re.compile(
    r"你好|您好|在吗|在不在|哈喽|嗨|喂|早上好|晚上好|下午好|中午好|谢谢|多谢|谢了|感谢|辛苦了|麻烦你了|再见|拜拜|没事了|没事|"
    r"好的|好嘞|知道了|明白了|收到|你真好|真好|太好了|真棒|好人|小姑娘|姑娘|闺女|小伙子|小伙|同志|师傅|大姐|大哥|老师|小助手|"
    r"助手|机器人|辛苦|"
    r"行了|行|可以了|好吧|就这样|"
    r"hi|hello|hey|thanks|thank you|thx|bye|goodbye|good morning|ok|there|somuch|alot|verymuch|so much|a lot|"
    r"啦|了|呀|啊|哈|哦|喔|噢|嘛|呢|你|您|哇|嗯")


def thanks_or_bye(text: str) -> bool:
    """Whether a message thanks or takes leave ("行，谢了", "谢谢你啊闺女", "thanks, bye")."""
    return bool(re.search(r"谢|辛苦|再见|拜拜|没事了|thank|thx|bye", text or "", re.IGNORECASE))


def _chitchat(t: str) -> bool:
    rest = _CHITCHAT_TOKENS.sub("", _squash(t))
    return bool(_squash(t)) and rest == "" and bool(re.search(
        r"你好|您好|在吗|在不在|哈喽|嗨|喂|早上好|晚上好|下午好|中午好|谢|辛苦|麻烦你|再见|拜拜|hi|hello|hey|thank|thx|bye|"
        r"morning|你真好", t))
_BIND = re.compile(r"实名|绑定|绑身份证|身份证.{0,2}绑|绑到|绑在|绑上|认证身份|身份认证|验证身份|身份验证|关联医保|绑医保|"
                   r"绑卡|"
                   r"link my|verify my identity|bind|identity verification")

_CANCEL = re.compile(
    rf"(?:撤销|撤回|撤掉|撤了|撤|取消|作废|注销|删掉|删了|删除|退掉|退了|不要了|不用了|停掉|终止|销掉|解除)"
    rf".{{0,8}}{FILING_WORD}|{FILING_WORD}.{{0,10}}(?:撤销|撤回|撤掉|撤了|撤|取消|作废|注销|删掉|删除|不要了|不用了|"
    r"退掉|停掉|终止|销掉|不需要了|用不上了|用不着了|解除)|帮我撤|给我撤|把它撤|把那个撤|(?<![不别])撤了吧|(?<![不别])撤掉吧|"
    rf"cancel.{{0,8}}{FILING_WORD}|{FILING_WORD}.{{0,8}}cancel|"
    r"^(?:确认|我要|要)?(?:撤销|撤回|注销)(?:吧|了吧|掉吧)?$|(?:能|可以|要|想|得|帮我)(?<![不别])撤|撤了不|撤了吗|撤得了|"
    r"取消掉|把(?:这个|那个|它).{0,4}(?:取消|撤)|把.{1,8}(?:那个|那份|那张|的)(?<![不别])(?:取消|撤)|不去了.{0,8}(?:撤|取消)|(?:撤|取消).{0,8}不去了|"
    r"cancel my (?:filing|registration)|withdraw my|cancel (?:the|my|that) (?:filing|registration)|"
    r"don'?t need (?:the|my) (?:filing|registration)")
_CHANGE = re.compile(
    rf"(?:改|变更|更改|修改|换|调整|更正){FILING_WORD}|{FILING_WORD}.{{0,10}}(?:改|变更|更改|修改|换|调整|更正)|"
    rf"(?:变更|更改){FILING_WORD}?|把.{{0,10}}(?:改成|改为|换成|换到|改到|变更到|变更为)|"
    r"(?:填|写|弄|选|搞|办|报|整)(?:错|岔)了?.{0,20}(?:改|变更|更正)|"
    r"(?:延长|延期|往后延|延到|推迟|推后|提前)|"
    r"change my (?:filing|registration)|change the (?:filing|registration)|modify my|update my (?:filing|registration)|"
    r"\bchange\b.{0,25}\bto\b|\bswitch\b.{0,20}\bto\b|move (?:it|my filing) to")
_DIFFERENCE = re.compile(r"区别|差别|不一样|不同|有啥差|哪个好|选哪个|哪种好|选哪种|咋选|怎么选|该选|difference|which (?:one )?is better|"
                         r"which should i")
# "算了不撤了 留着": keeping a filing is never a request to cancel it.
_KEEP = re.compile(r"不撤|别撤|不取消|不要取消|不用取消|不删|别删|留着|保留着|don'?t cancel|keep it")


def keeps_filing(text: str) -> bool:
    """Whether a message asks to keep a filing ("先别撤", "留着吧", "don't cancel it")."""
    return bool(_KEEP.search(nlu.normalize(text)))
_HOW_COMPUTED = re.compile(r"咋算的|怎么算的|怎么算出来|咋算出来|怎么来的|咋来的|哪来的这个数|how (?:is|was|did you get) (?:it|that|this)"
                           r"(?: calculated| worked out)?|how did you calculate")
_PAID_FIRST = re.compile(r"先垫|垫付|垫钱|垫的钱|自己先(?:付|交|掏|出)|全额(?:付|交)|先交钱|pa(?:y|id) (?:it )?(?:myself|first|in full)")
_NOT_PAID_FIRST = re.compile(r"(?:不用|不想|不要|免得|省得|不必|无需|别让我|without)(?:先)?(?:垫|自己先|pay)")
_CLAIM_BACK = re.compile(r"报销|能报|给报|报不|报吗|事后报|回去报|claim|reimburs|get (?:it|the money) back")
_RELATIVE_WORD = r"(?:儿子|女儿|孩子|闺女|老伴儿?|家里人?|家人|亲戚|子女|儿媳妇?|女婿|孙子|孙女)"
# "俺儿子能不能替俺办", "我女儿可以帮我办吗": whether a relative may act for the person (consent, explained).
_AGENT_ASK = re.compile(
    rf"{_RELATIVE_WORD}.{{0,2}}(?:能不能|可以|能|可不可以|行不行|能否|是不是可以).{{0,2}}(?:替|帮|给|代)(?:我|俺|咱)"
    r".{0,6}(?:办|弄|申请|备)|(?:can|may) my (?:son|daughter|child|wife|husband|family) (?:do|file|apply)")
_WHO = re.compile(
    rf"{_RELATIVE_WORD}.{{0,12}}(?:给|帮|替)(?:我|俺|咱).{{0,3}}(?:办|弄|备)(?:了|的|过)|是不是.{{0,12}}(?:办|弄|备)的|"
    r"(?:有人|有谁|别人|谁)(?:替|帮|给)(?:我|咱).{0,3}(?:办|弄|备)过|(?:他|她)(?:给|帮|替)(?:我|咱)(?:办|弄)(?:的|过|了)|"
    r"谁(?:帮|给|替|为)?.{0,6}(?:办|弄|申请|备|登记|提交|报)的|是谁(?:办|弄|申请|提交)|谁办理|谁操作|谁给我|谁帮我|"
    r"(?:是不是|是否|哪个|哪位).{0,8}(?:帮|给|替).{0,3}(?:办|备|弄|申请)的|哪天(?:办|备|弄)的|"
    r"(?:怎么|咋|为什么|为啥).{0,4}(?:已经|早就|就)?有.{0,3}备案|哪来的.{0,3}备案|什么时候办的|啥时候办的|"
    r"哪天办的|谁弄的|谁搞的|who (?:filed|made|registered|did)|who.{0,20}(?:filed|registered)|when was .{0,20}filed")
_STATUS = re.compile(
    rf"{FILING_WORD}.{{0,12}}(?:好了|成了|办好|办成|通过|批了|批下|下来|怎么样|咋样|进度|状态|审核|到哪|有效|到期|"
    rf"过期|还在|生效|结果|情况|成功|没有?(?:$|消息|动静|信)|了没|了吗|有没有)|"
    rf"(?:查|列|瞧|瞅|看看|查查|查询|查一下|看一下|查下|看下)(?:一下|下)?.{{0,8}}{FILING_WORD}|"
    rf"(?:有没有|有无|是否有|有过|备过|办过).{{0,6}}{FILING_WORD}|{FILING_WORD}(?:了吗|过吗|了没)|"
    r"审核到|审到哪|批下来|批了没|通过了没|通过没|办好了没|办好没|办成了没|有消息了吗|到哪一步|"
    r"有人审(?:核|批)?(?:过)?(?:没|了吗|吗)|谁审(?:核|批)的|审核了(?:吗|没)|审了(?:吗|没)|"
    r"(?:是不是|是否|有没有)(?:已经)?(?:备过案|办过|备案过|备了案|有备案)|(?:备过案|办过备案|备了案|有备案)(?:了)?(?:没|吗|不|么)|"
    r"(?:以前|之前|已经|原来).{0,4}(?:有|办过|备过).{0,4}备案|给(?:我|俺).{0,4}(?:弄|办)过|弄没弄|办没办|给弄了没|"
    rf"(?:刚才|上次|之前)?(?:办|提交)的那个{FILING_WORD}.{{0,6}}(?:啥样|什么样|看看)|(?:给我|让我)看看.{{0,6}}{FILING_WORD}|"
    rf"check.{{0,6}}{FILING_WORD}|{FILING_WORD}.{{0,6}}(?:status|check)|"
    rf"{FILING_WORD}.{{0,8}}(?:从?(?:哪天|啥时候?|什么时候|几号|多会儿?)(?:开始|起|生效|能用|算|到期|结束))|"
    r"(?:给(?:我|俺|咱).{0,3}办了[？?吗]|办了(?:我|俺)咋不知道|(?:我|俺)咋不知道)|"
    r"(?:从)?(?:哪天|啥时候?|什么时候|几号)(?:开始)?(?:就)?(?:能用|好使|生效|管用|起作用)|能用到(?:啥时候?|哪天|什么时候|几号)|"
    r"(?:啥时候?|什么时候)(?:到期|过期)|这就(?:整|办|弄)完了|真(?:办|整|弄)好了|(?:办|整|弄)好了(?:吗|啊|没|不)|"
    r"(?:办|整|弄)完了[？?吗]|"
    r"status of my|my filings?\b|my registration|check my (?:filing|registration)|is my .{0,20}(?:approved|done)|"
    r"when does (?:it|my filing) (?:start|end|expire)")
# "材料齐了没", "我传的派遣函收到没", "证明材料怎么上传", "还缺什么材料": the papers of a filing.
_PAPER_WORD = r"(?:证明)?材料|证明|照片|相片|派遣函|派出证明|户口本|户口簿|居住证|暂住证|转诊单|转诊证明|papers?|documents?|photos?"
_PAPERS_ASK = re.compile(
    rf"(?:{_PAPER_WORD}).{{0,8}}(?:齐了|齐没|齐不|全了|够了|够不够|够吗|够没|行不行|合格|收到|到了没|传好|传上|传成|还缺|还差|缺不缺|缺啥|缺什么|"
    r"要不要(?:交|给|传|补)?|用不用(?:交|给|传|补)|"
    rf"怎么(?:上)?传|咋(?:上)?传|如何(?:上)?传|怎么交|咋交|怎么发|咋发|发哪|传哪|交哪|往哪|在哪(?:里)?(?:上)?传|"
    r"得?交(?:啥|什么|哪些|哪几)|要(?:啥|什么|哪些))|"
    rf"(?:还)?(?:缺|差|要|需要|得交|要交|要传)(?:哪些|什么|啥|几份|哪几份)(?:{_PAPER_WORD})|"
    rf"(?:还)?(?:用|要|得|需要)?(?:补交|补传|补材料|再交|再传)(?:啥|什么|哪些)?(?:{_PAPER_WORD})?(?:吗|没|不)?$|"
    rf"(?:收到|收没收到).{{0,6}}(?:{_PAPER_WORD})|(?:上传|传|交|发)(?:的)?(?:{_PAPER_WORD}).{{0,4}}(?:收到|到了)|"
    r"(?:are|is) my (?:papers?|documents?|photos?) (?:complete|received|ok)|(?:missing|still need).{0,12}(?:papers?|documents?)|"
    r"how (?:do|can) i (?:send|upload) (?:the |my )?(?:papers?|documents?|photos?)|"
    r"(?:do|should|must|have to) i (?:need to |have to )?(?:send|submit|upload|provide|give|bring) (?:any |the |my |some )?"
    r"(?:papers?|documents?|proof|letters?|photos?)|(?:need|any) (?:papers?|documents?) (?:to send|needed)")
_FILE_ACT = re.compile(
    rf"(?:办|办理|申请|弄|搞|备|开通|登记|做|来|整|补办|补|报)(?:一?个|一下|下|了吧|吧)?.{{0,8}}{FILING_WORD}|"
    rf"{FILING_WORD}.{{0,6}}(?:办|办理|申请|弄|开通|帮我|给我|补办)|"
    rf"(?:想|要|得|需要|帮|给|替|为).{{0,12}}{FILING_WORD}|^{FILING_WORD}[吧啊呀]?$|备个案|备案吧|"
    r"办理异地|开通异地|异地就医.{0,4}(?:办|开通|申请)|给.{0,4}(?:办|弄|开通)一?下|帮我(?:办|弄|开通)|"
    r"^(?:那|那你)?就办(?:吧|啊|呗)?|那就办|^办吧|^办啊|^给我办|^帮我办|"
    r"帮(?:他|她|我妈|我爸|我娘|我爹|俺娘|俺爹|老人)(?:办|弄)|"
    r"\bregister|\bfile (?:for|a|the|my)\b|make a filing|sign (?:me|her|him) up|set (?:me|it) up|apply for|"
    r"(?:want|need|get|have) (?:my |our )?(?:medical )?(?:bills? |costs? )?covered")
_SETTLE_ASK = re.compile(
    r"(?:能|可以|可不可以|能不能|能否|会不会|行不行|是否).{0,8}(?:直接结|直接报|直接刷|刷医保|刷卡|报销|结算|用.{0,4}医保|走医保|"
    r"直接给报)|(?:直接结算?|直接报|直接刷|刷医保|刷卡|走医保|用医保|结算|报销)(?:吗|么|不|没|得了吗|得了不|行吗|成吗)|"
    r"can i (?:use|settle|pay with)|settle directly|covered|will .{0,30}settle|can .{0,30}settle|"
    r"(?:insurance|it) (?:still )?pay|get sick in|if i (?:get|fall) (?:sick|ill)")
_COST = re.compile(r"报多少|能报多少|报销多少|花多少|付多少|掏多少|出多少|给报多少|自己.{0,4}多少|多少钱|大概.{0,6}钱|"
                   r"报几成|能报几|估算|估计.{0,4}(?:钱|费用)|算一下|算算|算一算|how much|cost|estimate|reimburse")
_PLACE_ASK = re.compile(r"(?:找|查|推荐|有哪些|哪些|哪家|哪个|哪里|附近|离我近|周边|能去的).{0,16}(?:医院|诊所|药店|药房|卫生院|"
                        r"社区|医疗机构|机构)|(?:医院|药店|药房).{0,6}(?:有哪些|哪些|哪家|在哪|推荐)|"
                        r"find (?:a )?(?:hospital|pharmacy|clinic)|which hospitals?|hospitals? near|pharmac(?:y|ies) near|"
                        r"where can i|(?:need|want|looking for|look for|recommend|search for|show me|list)(?: me)? "
                        r"(?:a |an |some |the )?(?:good |nearby |local )?(?:hospital|pharmac|clinic)|"
                        r"nearest (?:hospital|pharmacy|clinic)|hospitals (?:in|that|which|where|around)\b")
_CHRONIC_WORD = re.compile(r"慢特病|慢性病|慢病|门特|门慢|chronic")
_CORRECT = re.compile(r"改成|改为|改到|换成|换到|改去|不去[\u4e00-\u9fff]{2,4}了|"
                      r"改(?!天|日|主意|变)(?=[\u4e00-\u9fff]{2,3}(?:市|$|[，。,.!！\s]))|改一下|要改|改下|要换|换个|换一个|还是(?:签|用|选|交)|改用|不对|不是.{1,8}是|"
                      r"应该是|其实是|错了|写错|填错|弄错|选错|"
                      r"搞错|说错|打错|更正|重新选|不签|不想签|不要承诺书|不用承诺书|actually|should be|change (?:it|the)|"
                      r"(?:is|was|it'?s|the) wrong|wrong (?:city|date|place|number|phone|type)|not .{1,15}but|instead")
_STOP = re.compile(r"^(?:不办了|不办|算了|算了吧|先不办了|先不弄了|不弄了|不搞了|不用了|不要了|退出|取消|不想办了|以后再说|"
                   r"不找了|不查了|不算了|不问了|不看了|"
                   r"改天再说|下次再说|回头再说|先这样|不需要了|stop|quit|exit|cancel|never ?mind|forget it)"
                   r"(?:了|吧|啊|哈|呗|吧谢谢|谢谢)*$|不办了|不弄了|不想弄了|先不办|算了不办|以后再办|改天再办|下次再办|"
                   r"回头再办|不想办了|不找了|不查了|不算了|never ?mind|forget it|"
                   # "我没说要办啊", "我不办 就看看": the person never asked for this; stop, nothing is sent.
                   r"没说(?:要)?办|没(?:想|打算)(?:要)?办|不是要办|^我不办|"
                   # "I want to stop", "leave it for now", "算了，以后再说": stop, nothing sent, the draft kept.
                   r"(?:want|wanna|would like|like) to stop|算了[，,。\s]*(?:以后|改天|下次|回头)再说|"
                   r"\bstop (?:it|this|here|now)\b|cancel (?:this|that)\b|leave it (?:for now|there)|^leave it$|"
                   r"^not now|(?:i'?ll )?do it later|maybe later|^(?:ok )?bye\b|good ?bye")
# "先别交，俺给儿子打个电话问问", "don't send it yet": hold on at this step (nothing is sent), not a stop.
_HOLD = re.compile(r"先别(?:提交|交|发|办|急)|别(?:提交|交了|发了|急着)|不要(?:提交|急着交)|先不(?:提交|交)|等会儿?再(?:交|提交)|"
                   r"回头再(?:交|提交)|(?:打个?电话|问问|商量|想想)再(?:说|交|提交|办)|don'?t (?:send|submit)|do not (?:send|submit)|"
                   r"not yet|hold (?:on|off)")
# "hmm, wait", "等一下", "让我想想": a pause, never an answer, at any step.
_WAIT = re.compile(r"^\W*(?:h+m+|e+r+m*|u+m+|嗯+|呃+|额+)?\W*(?:wait|hold on|one (?:moment|sec(?:ond)?)|let me think|"
                   r"等一?下|等等|等会儿?|稍等|先等等|让我想想|我想想|想一想|容我想想|我?再想想|我?再考虑(?:考虑|一下)?|考虑考虑|想想再说)(?:\W*(?:a (?:bit|sec(?:ond)?|moment|minute)"
                   r"|please|啊|哈|吧|嗯|一下)?)*\W*$", re.IGNORECASE)
_BACK = re.compile(r"^(?:返回|上一步|回上一步|返回上一步|回到上一步|后退|退回去|回去|退一步|上一个|刚才那步|"
                   r"back|go back|previous|previous step)(?:吧|一下|了)*$|返回上一|回到上一|退回上一|上一步|^返回\b|^返回(?=\s)|"
                   r"^go back")
_RESTART = re.compile(r"^(?:重新开始|重来|从头开始|重新来|从头来|重新办|重头来|再来一遍|全部重来|重新填|"
                      r"restart|start over|start again)(?:吧|一下|一遍|了)*$|从头(?:开始|来|再来)|重新(?:开始|来过|填一遍)|"
                      r"全部重新|重新填吧|"
                      r"start over|start again")
_NONSENSE = re.compile(r"^[\W_\d]*$")
# "出差半个月需要备案吗", "do I need a filing for a 2-month trip?": whether to file at all, answered before filing.
_NEED_FILING = re.compile(
    rf"(?:需要|需不需要|要不要|用不用|用得着|得不得|是不是要|是不是得|必须|非得|一定要)(?:先)?(?:办|做|弄)?(?:个|一个)?{FILING_WORD}"
    rf"(?:吗|么|不|呢|啊)?[？?]?\s*$|{FILING_WORD}(?:是)?(?:必须|必要)(?:的)?(?:吗|么)|"
    r"do i (?:really |actually )?(?:need|have) (?:a |to |any )?(?:filing|file|register)|"
    r"(?:is|are) (?:a )?filings? (?:needed|required|necessary|mandatory)|need (?:a |some kind of )?filing|"
    r"required or optional", re.IGNORECASE)
_NO_WECHAT = re.compile(r"(?:不会|不太会|不懂|没有|没|不用|不玩|用不来|弄不来|不方便用)(?:用)?(?:微信|智能手机)|老人机|"
                        r"(?:doesn'?t|does not|can'?t|cannot|don'?t) (?:have|use) (?:wechat|a smartphone)|no smartphone")
_CHANGE_TO = re.compile(r"改(?:成|到|为|一下|下)|换(?:成|到)|推(?:到|迟到)|提前到|挪到|"
                        r"change (?:it |the \w+ )?to|move (?:it |the \w+ )?to")
_MISTAKE = re.compile(r"(?:填|写|弄|选|搞|办|报|整|说|打|拼)(?:错|岔)|错了|不对")
_SPOKEN_RUN = re.compile("[幺零〇一二两三四五六七八九洞]{7,}")
_MONTH_DOT_DAY = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})\s*(?:号|日)?\s*$")
_AMOUNT_CUE = re.compile(r"(?:花了?|花费|费用|要花|估计|大概|总共|一共|共计|大约|差不多|预计|得花|要|一次|每次|每个月|一个月)\s*"
                         r"[一二两三四五六七八九十百千万\d]")
_FILED_PLACE = re.compile(r"备案的?(?:那个)?(?:城市|地方)|备案那个|原来那个|同一个城市|same (?:city|place)|where i filed")

_CARE_WORDS = nlu.CARE_WORDS
_FIELD_WORDS = (
    ("principal", r"为谁|给谁|本人|替谁"),
    ("insured_area", r"参保地|参保|交医保|医保在|insured"),
    ("treatment_area", r"就医地|就医城市|城市|地方|去哪|city"),
    ("category", r"类别|类型|身份|category|type"),
    ("end_date", r"结束|到期|截止|有效期|end date"),
    ("start_date", r"开始|日期|时间|哪天|start date|date"),
    ("materials", r"材料|承诺书|证明|户口|documents|papers"),
    ("phone", r"电话|手机|号码|phone|number"),
)
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[\s\-]*(\d{7,8})(?!\d)")


@dataclass(frozen=True)
class Understanding:
    """What one message is for, what it said, and the offered choice it selects (if any)."""

    intent: str
    slots: dict = field(default_factory=dict)
    option: str | None = None
    extraction: nlu.Extraction | None = field(default=None, compare=False)

    @property
    def is_question(self) -> bool:
        return self.intent == "explain"

    def _with_option(self) -> "Understanding":
        return Understanding(self.intent, self.slots, self.slots.get("option"), self.extraction)


@dataclass(frozen=True)
class StepInfo:
    """The step a message answers: its name, the slot kind it asks and the choices it offers."""

    name: str = "idle"                      # "idle" or "<flow>.<step>"
    offered: tuple[tuple[str, str], ...] = ()  # (value, label as shown)
    kind: str | None = None                 # area, date, phone, amount, disease, choice, yes_no, name, id_number


def step_kind(name: str) -> str | None:
    """Return what a step asks for, from its name (the flows' slot naming convention)."""
    slot = name.partition(".")[2]
    if slot in ("insured_area", "treatment_area", "area"):
        return "area"
    if slot in ("start_date", "end_date"):
        return "date"
    if slot in ("phone",):
        return "phone"
    if slot in ("amount",):
        return "amount"
    if slot in ("disease",):
        return "disease"
    if slot in ("name",):
        return "name"
    if slot in ("id_number",):
        return "id_number"
    return "choice"


# --- slots -----------------------------------------------------------------------------------------

def _area_code(entry: nlu.AreaEntry | None) -> str | None:
    if entry is None:
        return None
    return entry.pool_code or entry.code


def _match_disease(text: str, diseases) -> str | None:
    if not diseases:
        return None
    pattern, codes = _disease_index(tuple(diseases))
    found = pattern.findall(text)
    # The longest word named wins ("糖尿病肾病透析" is dialysis, not diabetes), as in the institution flow.
    return codes[max(found, key=len)] if found else None


@lru_cache(maxsize=8)
def _disease_index(diseases: tuple) -> tuple[re.Pattern, dict]:
    codes = {}
    for disease in diseases:
        for word in (disease.name, *disease.synonyms):
            if word:
                codes.setdefault(word.lower(), disease.code)
    words = sorted(codes, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)), codes


def visit_of(text: str) -> str | None:
    """Return the kind of care a message names (住院 / 门诊 / 慢病 / 买药), or None."""
    for care, pattern in _CARE_WORDS:
        if re.search(pattern, text):
            return care
    return None


def term_of(text: str) -> str | None:
    """Return the term a question is about (承诺书, 参保地…): the first one named, or None."""
    if _TERM_RES[-2][1].search(text) and re.search(r"区别|不一样|不同", text) and re.search(
            r"长期|临时|退休|居住|派驻|转诊|急诊", text):
        return "category"
    found = [(m.start(), order, code) for order, (code, pattern) in enumerate(_TERM_RES)
             for m in [pattern.search(text)] if m]
    # lock_period and the letter's consequences are asked in words that also name other terms.
    for preferred in ("lock_period",):
        if any(code == preferred for _, _, code in found) and re.search(r"多久|几个月|半年|还能|是真的|能不能", text):
            return preferred
    specific = [f for f in found if f[2] != "filing"]
    return min(specific or found)[2] if found else None


def field_of(text: str) -> str | None:
    """Return the filing field a message names (日期 -> start_date), or None."""
    for name, pattern in _FIELD_WORDS:
        if re.search(pattern, text):
            return name
    return None


def phone_of(text: str) -> str | None:
    """Return a mobile number (also read aloud: 幺三八…) or a landline with its area code, as digits."""
    digits = spoken_digits(text)
    mobile = nlu.parse_phone(digits)
    if mobile:
        return mobile
    # "0755 2345 6789": spaces inside the number are how people group digits.
    plain = re.sub(r"(?<=\d)[\s\-]+(?=\d)", "", nlu.normalize(digits))
    landline = _LANDLINE.search(plain)
    return landline[1] + landline[2] if landline else None


def _slots(ex: nlu.Extraction, t: str, diseases, kind: str | None) -> dict:
    slots: dict = {}
    if ex.principal:
        slots["principal"] = ex.principal
        if ex.principal == "relative" and ex.relation:
            slots["relation"] = ex.relation
    if ex.insured_area is not None:
        slots["insured_area"] = _area_code(ex.insured_area)
    if ex.treatment_area is not None:
        slots["treatment_area"] = _area_code(ex.treatment_area)
    if ex.unassigned_areas:
        slots["area"] = _area_code(ex.unassigned_areas[0])
    if ex.category:
        slots["category"] = ex.category
    if ex.start_date:
        slots["start_date"] = ex.start_date.isoformat()
    if ex.end_date:
        slots["end_date"] = ex.end_date.isoformat()
    disease = _match_disease(t, diseases)
    if disease:
        slots["disease"] = disease
    visit = visit_of(t)
    if visit:
        slots["visit"] = visit
    phone = ex.phone or phone_of(t)
    if phone:
        slots["phone"] = phone
    amount = _amount(t, kind, bool(phone) or bool(ex.start_date))
    if amount is not None:
        slots["amount"] = format(amount, "f")
    return slots


def _amount(t: str, kind: str | None, has_other_numbers: bool):
    # A bare figure is an amount only where one is asked; elsewhere only with a money word or unit.
    if kind == "amount":
        return parse_amount(t)
    if has_other_numbers and not re.search(r"[元块万千]|¥|rmb|yuan", t):
        return None
    if re.search(r"\d\s*(?:元|块|万|千|k\b|w\b|rmb|yuan)|[一二两三四五六七八九十百千]+\s*(?:元|块|万)|¥|rmb", t) or \
            _AMOUNT_CUE.search(t):
        return parse_amount(t)
    return None


# --- options -------------------------------------------------------------------------------------

_SQUASH = re.compile(r"[\W_]+")
_PAREN = re.compile(r"[（(].*?[）)]")


def _squash(text: str) -> str:
    return _SQUASH.sub("", text)


def option_of(t: str, offered: tuple[tuple[str, str], ...], ex: nlu.Extraction | None = None,
              slots: dict | None = None) -> str | None:
    """Return the offered value a message picks: by number, by its label's words, by what it means, or None.

    What it means is read per kind of choice (a category said in words picks that category, "不签" picks
    the papers); an affirmation picks the yes-like choice only where one is offered and the message is
    not a question. Anything ambiguous picks nothing.
    """
    if not offered:
        return None
    number = nlu.parse_choice(t, len(offered))
    if number is None:
        lead = re.match(r"^\s*(\d)(?:\s+|[，,.。、]\s*)(?=\S)", t)  # "2 我要去的是佛山"
        number = int(lead[1]) if lead and 1 <= int(lead[1]) <= len(offered) else None
    if number is not None:
        return offered[number - 1][0]
    key = _squash(t)
    if not key or re.search(r"[?？]", t):
        # "确认提交？" asks; it does not choose.
        return None
    hits = []
    for value, label in offered:
        full = _squash(nlu.normalize(label))
        core = _squash(_PAREN.sub("", nlu.normalize(label)))
        if key in (full, core) or (len(core) >= 4 and core in key):
            hits.append(value)
    if len(hits) == 1:
        return hits[0]
    if _is_question(t):
        return None
    # A negative choice is read first: "不撤了" must never be read as "撤了".
    labels = dict(offered)
    values = sorted((v for v, _ in offered), key=lambda v: _kind_of(v, labels[v]) not in _NEGATIVE_FIRST)
    slots = slots or {}
    for value in values:
        if _means(value, t, slots, ex, dict(offered)):
            return value
    return None


def _kind_of(value: str, label: str = "") -> str:
    if value.startswith("member"):
        return "member"
    if _ISO_DAY.match(value):
        # Date choices carry the date itself as their value; the label says which kind they are.
        return "default_end" if re.search(r"默认|default|usual|到期|until", label, re.IGNORECASE) else "today"
    return value


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


_NEGATIVE_FIRST = ("documents", "keep", "stop", "edit", "other_area", "use_documents")


def _means(value: str, t: str, slots: dict, ex, labels: dict) -> bool:
    kind = _kind_of(value, labels.get(value, ""))
    yes = bool(ex is not None and ex.yes_no is True)
    rule = _OPTION_WORDS.get(kind)
    if kind in ("self",):
        return slots.get("principal") == "self" or bool(re.search(r"^(?:我|自己|我自己|本人|me|myself)$", t))
    if kind == "member":
        relation = slots.get("relation")
        names = _RELATION_NAMES.get(relation or "", ())
        return bool(relation) and any(n in labels[value] for n in names)
    if kind in _CATEGORY_VALUES:
        return slots.get("category") == kind
    if kind in _VISIT_VALUES:
        return slots.get("visit") == kind
    if kind == "long_term" and slots.get("category") in _LONG:
        return True
    if kind == "temporary" and slots.get("category") in _TEMP:
        return True
    if kind == "today" and slots.get("start_date") and ex is not None and slots["start_date"] == _today_iso(ex):
        return True
    if rule is not None and rule.search(t):
        # A negative word in the same message belongs to the negative choice ("不签" is not "签").
        if _NEG_OF.get(kind) and re.search(_NEG_OF[kind], t):
            return False
        return True
    if kind == "default_end" and ex is not None and (ex.end_date or ex.start_date):
        return False  # "2 weeks is fine, till the 28th": the day said is the answer, not the default
    if kind in _YES_LIKE and yes and not _is_question(t) and not (kind == "yes" and re.search(_HEDGE, t)) and not any(
            re.search(_OPTION_WORDS[n].pattern, t) for n in _NEGATIVE_FIRST if n in _OPTION_WORDS):
        return True
    return False


def _today_iso(ex) -> str | None:
    return getattr(ex, "_today", None)


_LONG, _TEMP = LONG_TERM_CATEGORIES, TEMPORARY_CATEGORIES
_CATEGORY_VALUES = set(CATEGORIES)
_VISIT_VALUES = {"inpatient", "outpatient", "chronic", "pharmacy"}
# A plain "好" / "嗯" picks these where offered. Submitting ("yes"), signing the letter ("signed") and cancelling
# ("confirm") need words of their own (提交 / 承诺, 同意, 签 / 确认, 撤): acts that cannot be taken back.
_YES_LIKE = {"profile", "default_end"}
# A hedge ("嗯 差不多吧", "应该没问题吧", "I guess") is never a yes to an act that cannot be taken back.
_HEDGE = (r"差不多|应该|可能|大概|好像|也许|估计|凑合|不确定|不知道|再看看|看看再说|说不好|不太|maybe|probably|i guess|"
          r"i think so|kind of|sort of|not sure|perhaps|i suppose")
def is_hedge(text: str) -> bool:
    """Whether a reply hedges ("嗯 差不多吧", "I guess"): never a yes to an act that cannot be taken back."""
    return bool(re.search(_HEDGE, text, re.IGNORECASE))


_NEG_OF = {"signed": r"不签|不想签|别签|不承诺|不同意|" + _HEDGE,
           "yes": r"别提交|先别|不提交|不对|不行|等等|等会|" + _HEDGE,
           "confirm": r"不撤|别撤|先不|不用撤|不要撤|留着|保留|" + _HEDGE, "profile": r"换|另一个|别的|新号|不用这个"}
_RELATION_NAMES = {"mother": ("母亲", "妈"), "father": ("父亲", "爸"), "spouse": ("配偶", "爱人", "老伴", "丈夫", "妻子"),
                   "child": ("子女", "儿子", "女儿"), "parent": ("父母",), "grandparent": ("祖父", "祖母", "爷爷", "奶奶")}
_OPTION_WORDS = {k: re.compile(v) for k, v in {
    "stop": r"先不办|不办了|不办|算了|保留原|留着|保留|不动|不变|keep|stop|don'?t file|never ?mind",
    "change": r"变更|更改|改|换成新|change|update",
    "other_area": r"换.{0,2}(?:城市|地方|个地)|别的城市|其他城市|另一个城市|其它城市|另外的城市|不是这个城市|another city|"
                  r"different city|other city",
    "long_term": r"长期|一直|好几年|几年|定居|养老|常住|长住|久住|不回去了|不打算回去|以后都在|以后就在|住了.{0,3}年|"
                 r"long|permanent|for years|for good|not going back",
    "temporary": r"临时|短期|几天|几个星期|暂时|一阵|短时间|temporar|short|a few days|a week",
    "today": r"今天|今儿|今日|现在|马上|立刻|today|right now|from now",
    "default_end": r"默认|就按|按规定|按这个|按那个|按政策|不知道|不确定|说不好|随便|default|as (?:is|suggested)|"
                   r"not sure|whatever",
    "commitment_letter": r"承诺|承若|推荐|省事|签(?!证)|promise|commitment|recommended",
    "documents": r"材料|证明|户口|居住证|合同|转诊单|派出|不签|不想签|别签|papers|documents?|proof|certificate|"
                 r"household|residence permit",
    "signed": r"阅读|承诺|同意|签(?!证)|保证|agree|signed|sign it|i promise|read it",
    "profile": r"用这个|就用|原来|默认|这个号|这个手机|这个电话|本机|留的那个|1\d{2}那个|尾号|same|this one|that one|"
               r"the one on file|"
               r"use it|^用吧?$",
    # Submitting cannot be taken back: only words that say "send it" pick it, never a plain "好", "嗯", "中",
    # "就这样" or "looks good", which as often mean "I see" or "let's leave it there".
    "yes": r"确认提交|确定提交|提交|submit|send it",
    "edit": r"修改|要改|改一下|改改|edit|change something",
    "confirm": r"确认|确定|撤吧|撤了|撤销|^撤|confirm|cancel it",
    "keep": r"不撤|别撤|先不|算了|留着|保留|不用了|不要撤|keep|don'?t cancel|no\b|not now|wait",
}.items()}


# --- intent ----------------------------------------------------------------------------------------

_ASKS_ABOUT = re.compile(r"什么|啥|咋|怎么|怎样|如何|为什么|为啥|干嘛|干啥|讲究|说道|what|why|how")


def _only_asks(t: str) -> bool:
    """Every clause is a real question (a question word, not just 吗): "这个日子干啥用的 选今天有啥说道没"."""
    clauses = [c for c in re.split(r"[，。,.!！?？；;…\s]+", t) if c.strip()]
    return bool(clauses) and all(_ASKS_ABOUT.search(c) for c in clauses)


def _is_question(t: str) -> bool:
    return bool(_QUESTION_END.search(t) or _QUESTION_WORD.search(t))


def _explain(t: str) -> str | None:
    """Return the term when the message asks what it means (or why it is needed)."""
    if not _EXPLAIN_CUE.search(t):
        return None
    return term_of(t)


def _lang(t: str) -> str | None:
    if re.search(r"(?:can'?t|cannot|don'?t|do not) (?:read|speak|understand) chinese|看不懂中文|不懂中文", t):
        return "en"
    if _LANG_ZH.search(t):
        return "zh_CN"
    if _LANG_EN.search(t) and re.search(r"please|pls|plz|can you|could you|用|说|讲|换|回复|reply|speak|talk|switch|"
                                        r"prefer|only|^english|in english|back to english|to english|会英|懂英", t):
        return "en"
    return None


def _command(t: str) -> str | None:
    squashed = re.sub(r"^(.{2,4})\1+$", r"\1", _squash(t))  # "重来重来"
    t = {"从新开始": "重新开始", "从新来": "重新来", "反回": "返回", "返会": "返回"}.get(squashed, t if squashed == _squash(t)
                                                                                   else squashed)
    command = nlu.detect_command(t)
    if command == "cancel":
        return "stop"
    if command in ("back", "restart", "human", "large_text", "normal_text", "help"):
        return command
    if _BACK.search(t):
        return "back"
    if _RESTART.search(t):
        return "restart"
    if _STOP.search(t) and (not re.search(FILING_WORD, t) or re.search(r"不办了|不弄了|不想办|算了", t)) and not (
            _FILE_ACT_STRONG.search(t) and re.search(FILING_WORD, t)) and not _ANOTHER_REQUEST.search(
            re.sub(r"(?:i )?(?:want|wanna|would like|like) to stop|don'?t want to change", "", t)):
        return "stop"
    if squashed in ("取消",):
        return "stop"
    return None


def corrects_too(text: str) -> bool:
    """Whether a message also corrects an earlier answer ("不去杭州了 改南京", "日期改成15号")."""
    t = nlu.normalize(text)
    return bool(_CORRECT.search(t) or _CHANGE.search(t)) and bool(re.search(r"改|换|不去|不是|其实|actually|instead", t))


def understand(text, *, today: date, gazetteer: nlu.Gazetteer, step: StepInfo | None = None,
               diseases=(), in_form: bool = False, institutions=None, focus=()) -> Understanding:
    """Return the intent, the slots and the selected option of one message at a step.

    `in_form`: a form (filing, cancel, change) is under way, so "不对，是南京" corrects an answer.
    `institutions`/`focus`: the institution-name index and the areas being discussed (nlu.extract).
    """
    step = step or StepInfo()
    kind = step.kind if step.name != "idle" else None
    raw = nlu.normalize(text)
    # Digits read aloud ("幺三八…") are a number, never a date ("五一") or a word.
    raw = _SPOKEN_RUN.sub(lambda m: spoken_digits(m[0]), raw)
    ex = nlu.extract(spoken_digits(raw) if kind == "phone" else raw, today=today, gazetteer=gazetteer,
                     institutions=institutions, focus=focus)
    t = ex.text
    if kind == "date" and not (ex.start_date or ex.end_date):
        m = _MONTH_DOT_DAY.match(t)
        if m:
            ex.start_date = nlu.parse_date(f"{m[1]}月{m[2]}日", today=today)
    if kind in ("area", None) and not (ex.treatment_area or ex.insured_area or ex.unassigned_areas):
        near = gazetteer.sounds_like(t) if len(_squash(t)) <= 6 else None
        if near is not None:
            ex.unassigned_areas = [near]
    slots = _slots(ex, t, diseases, kind)
    ex._today = today.isoformat()
    option = option_of(t, step.offered, ex, slots) if step.name != "idle" else _menu_option(t, step.offered)
    if option is not None:
        slots["option"] = option
    if not t.strip() or (_NONSENSE.match(t) and option is None and not _has_value(slots) and not (
            kind in ("phone", "amount") and re.search(r"\d", t))):
        return Understanding("unclear", {}, None, ex)
    intent, extra = _intent(t, step, kind, slots, ex, option, in_form)
    tidy = _tidy(intent, {**slots, **extra}, step, t)
    # The option stays known even when the message is mostly about something else, so the engine can
    # take an answer said together with a question ("电话就用这个。对了…能报多少").
    return Understanding(intent, tidy, tidy.get("option", option), ex)


def _intent(t: str, step: StepInfo, kind, slots: dict, ex, option, in_form: bool) -> tuple[str, dict]:
    at_step = step.name != "idle"
    # 1. The whole message is a number, a menu label or a navigation command.
    if not at_step and option is not None:
        return _MENU_INTENT.get(option, "unclear"), {}
    if option is not None and (nlu.parse_choice(t, len(step.offered)) is not None or re.match(r"^\s*\d\s", t)):
        return "answer", {}
    command = _command(t)
    offered_values = [v for v, _ in step.offered]
    if command == "stop" and ("stop" in offered_values or "keep" in offered_values):
        # "算了" where "keep it / stop here" is one of the choices picks that choice.
        return "answer", {"option": "stop" if "stop" in offered_values else "keep"}
    if command is not None:
        return command, {}
    if _WAIT.match(t) or _HOLD.search(t):
        return "chitchat", {"wait": True}
    if _AGENT_ASK.search(t):
        return "explain", {"term": "consent"}
    if _HOW_COMPUTED.search(t):
        # "那1350咋算的": the deductible and the ratio that make the figure.
        return "explain", {"term": "deductible"}
    if _PAID_FIRST.search(t) and _CLAIM_BACK.search(t) and not _COST.search(t) and not _NOT_PAID_FIRST.search(t):
        # "自己先垫钱，回合肥能报销吗": a claim afterwards, not a search for hospitals.
        return "explain", {"term": "manual_reimbursement"}
    if step.name in ("filing.materials", "filing.commitment") and _DIFFERENCE.search(t):
        # "这俩有啥区别", "哪个好": the promise letter and the papers side by side.
        return "explain", {"term": "materials_choice"}
    own = _OWN_FIELD.get(step.name)
    if at_step and kind in _VALUE_KINDS and _answers(step, kind, slots, t, ex) and not _is_question(t) \
            and field_of(t) in (None, own) and not _HUMAN.search(t) and not (in_form and _CORRECTION_OF_EARLIER.search(t)):
        # "眼神不好打错了 是2101…": the value asked for wins over any passing remark.
        return "answer", {}
    lang = _lang(t)
    if lang:
        return "language", {"lang": lang}
    if _NORMAL.search(t) and not _NOT_ASKED.search(t):
        return "normal_text", {}
    if _LARGE.search(t) and not _NOT_ASKED.search(t):
        return "large_text", {}

    # 2. Explicit requests about existing filings, corrections, and questions about a term.
    # "选错了，能改吗" asks for a change, not how long changes are locked.
    explained = "need_filing" if _NEED_FILING.search(t) and not _ASKS_TO_DO_IT.search(t) else _explain(t)
    if _NO_WECHAT.search(t):
        # "她不会用微信咋办", "我妈是老人机": consent without WeChat (the window, or a hand on her phone).
        explained = "consent_no_wechat"
    if not at_step and shifted(t, date.today()) is not None:
        # "备案能不能往后推两天", "push my filing back 2 days": a filing's dates moved, a change.
        return "change_filing", {}
    if explained == "lock_period" and (_MISTAKE.search(t) or _CHANGE_TO.search(t)):
        # "能不能改成12号开始", "备案能不能改一下日期": a change asked for, with or without its new value.
        explained = None
    if explained and _ASKS_TO_DO_IT.search(t):
        # "怎么申请 直接帮我申请吧": the explicit request to do it outranks the question.
        explained = None
    if _WHO.search(t):
        return "who_filed", {}
    if _CANCEL.search(t) and not explained and not _KEEP.search(t):
        # At the cancel flow's own confirmation, "确认撤销" is its answer, not a new request.
        return ("answer", {}) if option is not None and step.name.startswith("cancel.") else ("cancel_filing", {})
    correction = (_CORRECT.search(t) or _CHANGE.search(t)) and not explained
    if at_step and in_form and correction:
        named = field_of(t)
        if option is not None and not _has_value(slots) and (named is None or named == own):
            return "answer", {}
        if named == own and own is not None and _answers(step, kind, slots, t, ex):
            return "answer", {}
        if option is not None and own is not None and _value_fields(slots) <= {own} and named in (None, own):
            # "我不是退休的，就是长期居住" at the category step answers it.
            return "answer", {}
        return "correct", _correction_field(slots, t)
    if _CHANGE.search(t) and not explained:
        return "change_filing", _correction_field(slots, t)
    if _PAPERS_ASK.search(t) and not _FILE_ACT_STRONG.search(t):
        return "my_filings", {"papers": True}
    if _STATUS.search(t) and (not explained or _STATUS_WORD.search(t)) and not _FILE_ACT_STRONG.search(t):
        return "my_filings", {}
    if explained:
        return "explain", {"term": explained}
    if _BIND.search(t):
        return "bind_identity", {}
    if _ARE_YOU_A_BOT.search(t):
        return "chitchat", {}
    if _NOT_HUMAN.search(t) and _HUMAN.search(t):
        # "has a real person reviewed it?" is about the decision; "nobody needs to call me" wants no call.
        return ("my_filings", {}) if re.search(r"review|check|approv|审|核", t) else ("chitchat", {})
    if _HUMAN.search(t):
        return "human", {}
    if _FILE_ACT_STRONG.search(t) and re.search(FILING_WORD, t) and at_step and step.name.startswith(
            ("institution.", "chronic.", "settlement.")):
        return "file", {}

    # 3. A question about another topic is that topic, even where it names what the step asks.
    question = _is_question(t)
    if at_step and question:
        topic = _topic(t, slots, question)
        if topic in ("estimate", "find_institution", "will_settle", "chronic_check"):
            return topic, {}
    # 4. An answer to the step it is at, unless every part of the message asks about it ("选今天有啥说道没").
    if at_step and _answers(step, kind, slots, t, ex):
        if question and _only_asks(t):
            return "help", {}
        return "answer", {}

    # 5. Requests that start a conversation, an explicit filing request first.
    if _FILE_ACT.search(t) and not _is_about_other(t):
        return "file", {}
    if question and term_of(t) and re.search(r"为什么|为啥|什么|啥|怎么|咋|what|why|how", t) and not (
            _SETTLE_ASK.search(t) or _COST.search(t) or _PLACE_ASK.search(t) or _ASKS_TO_DO_IT.search(t)):
        return "explain", {"term": term_of(t)}
    topic = _topic(t, slots, question)
    if topic:
        return topic, {}
    if not at_step and ex is not None and ex.institutions and not _HELP.search(t):
        # "深圳市人民医院", "我明天要去瑞金医院住院": what people need to know about a hospital they
        # name is whether it will settle for them.
        return "will_settle", {}
    if _HELP.search(t):
        return "help", {}
    if _chitchat(t):
        return "chitchat", {}
    if not at_step and (slots.get("category") or (slots.get("treatment_area") and re.search(
            r"看病|就医|住院|报销|结算|医保|搬|住|派|工作|退休", t))):
        return "file", {}
    if not at_step and _CHANGE_TO.search(t) and ex is not None and (ex.start_date or ex.end_date or ex.treatment_area):
        # "能不能改成12号开始", "can you move it to Jan 12": a change of a filing, with its new value.
        return "change_filing", {}
    if not at_step and term_of(t) and question:
        return "explain", {"term": term_of(t)}
    return "unclear", {}


def _topic(t: str, slots: dict, question: bool) -> str | None:
    if _COST.search(t) and (slots.get("amount") or re.search(r"报|钱|付|掏|花|cost|much|reimburse|estimate", t)):
        return "estimate"
    if _PLACE_ASK.search(t):
        return "find_institution"
    if slots.get("disease") and (_SETTLE_ASK.search(t) or question) or (
            _CHRONIC_WORD.search(t) and _SETTLE_ASK.search(t)):
        return "chronic_check"
    if _SETTLE_ASK.search(t):
        return "will_settle"
    return None


# The field a step itself fills: naming it there answers the step, it does not correct another.
_OWN_FIELD = {"filing.materials": "materials", "filing.commitment": "materials", "filing.phone": "phone",
              "filing.start_date": "start_date", "filing.end_date": "end_date", "filing.category": "category",
              "filing.category_group": "category", "filing.treatment_area": "treatment_area",
              "filing.insured_area": "insured_area", "filing.principal": "principal",
              "filing.existing_action": "treatment_area"}
# What is kept of the slots for intents that carry none of their own.
_NO_SLOTS = {"stop", "back", "restart", "help", "large_text", "normal_text", "chitchat", "unclear"}
_PARENTS = ("parent", "father", "mother", "grandparent")


def _tidy(intent: str, slots: dict, step: StepInfo, t: str) -> dict:
    """Keep the slots that belong to this intent at this step (see the corpus' labelling conventions)."""
    if intent in _NO_SLOTS:
        return {k: v for k, v in slots.items() if k == "option" and intent == "answer" or k == "wait"}
    if intent == "bind_identity":
        return {k: v for k, v in slots.items() if k == "insured_area"}
    if step.name == "idle" and slots.get("option") is not None:
        # A menu item tapped or typed word for word says nothing else.
        return {"option": slots["option"]}
    if intent == "language":
        return {"lang": slots["lang"]}
    out = dict(slots)
    if intent != "answer" and step.name != "idle":
        out.pop("option", None)
    if intent == "explain":
        for key in ("visit", "category", "disease", "start_date", "end_date", "principal", "relation"):
            out.pop(key, None)
    if intent == "human":
        for key in ("start_date", "end_date", "category", "visit"):
            out.pop(key, None)
    if intent in ("cancel_filing", "who_filed", "my_filings"):
        out.pop("category", None)
    if intent in ("change_filing", "correct"):
        if "treatment_area" in out or "insured_area" in out or re.search(r"不是.{0,6}是|从.{0,8}改到", t):
            if "treatment_area" in out or "insured_area" in out:
                out.pop("area", None)
        named = out.get("field") or field_of(t)
        if "start_date" in out and "end_date" in out and re.search(r"不是.{0,12}是|不对|说错|错了|写错", t):
            # "不是这周三，是下周三": the date after 是 is the one meant; the first is the one denied.
            out["start_date"] = out.pop("end_date")
        if named == "end_date" and "start_date" in out and "end_date" not in out:
            out["end_date"] = out.pop("start_date")
        if named == "start_date" and "end_date" in out and "start_date" not in out:
            out["start_date"] = out.pop("end_date")
    if intent == "answer":
        if step.name == "filing.end_date" and "start_date" in out and "end_date" not in out:
            out["end_date"] = out.pop("start_date")
        if step.name == "filing.start_date" and out.get("end_date") == out.get("start_date"):
            out.pop("end_date", None)
        if step.name in ("filing.materials", "filing.commitment"):
            out.pop("category", None)
        if step.kind in ("phone",):
            out.pop("principal", None), out.pop("relation", None)
        if step.name == "institution.care" and out.get("option") in _VISIT_VALUES and not re.match(r"^\s*\d", t):
            out["visit"] = out["option"]
    # 常住 / 长住 said of a parent may as well be a resettled retiree: the category stays open.
    if out.get("category") == "long_term_resident" and out.get("relation") in _PARENTS and re.search(r"常住|长住", t) \
            and not re.search(r"长期居住|居住证|住了", t):
        out.pop("category")
    return out


def _value_fields(slots: dict) -> set:
    fields = {k for k in ("insured_area", "treatment_area", "start_date", "end_date", "category", "phone") if k in slots}
    if "area" in slots:
        fields.add("treatment_area")
    if slots.get("principal") == "relative":
        fields.add("principal")
    return fields


def _correction_field(slots: dict, t: str) -> dict:
    if _has_value(slots):
        return {}
    named = field_of(t)
    return {"field": named} if named else {}


def _menu_option(t: str, offered) -> str | None:
    # At idle only a bare number or a label said word for word picks from the menu: anything longer is a
    # request of its own, read by intent.
    number = nlu.parse_choice(t, len(offered) or None)
    if number is not None and offered:
        return offered[number - 1][0]
    key = _squash(t)
    return next((v for v, label in offered if key and key == _squash(nlu.normalize(label))), None)


_MENU_INTENT = {"filing": "file", "institution": "find_institution", "my_filings": "my_filings",
                "settlement": "will_settle"}
# "给俺弄过" / "帮我办的" tell what was done; only a wish or a request ("想办", "给我办一个") asks to file.
_FILE_ACT_STRONG = re.compile(r"(?:想|要|帮我|给我|帮|给|替).{0,6}(?:办|申请|弄|补办)(?!过|的|了没|好了|成了|没)|再办|重新办|办一个|"
                              r"办个|先办|就办(?!完|好)|去办|来办")
# "forget it, show me my filing": a request after the brush-off is what the person wants.
_ANOTHER_REQUEST = re.compile(r"show me|can you|let'?s|i want|查看|查下|查一下|(?<!就)看看|帮我|给我|我要|我想")
_VALUE_KINDS = ("id_number", "phone", "date", "amount")
# "不对，不是这周三是下周三": a correction of what was said before, not the answer to this step.
_CORRECTION_OF_EARLIER = re.compile(r"不对|不是.{0,12}是|说错|填错|写错|搞错|弄错|应该是|其实是")
# "我没说要切换", "什么大字模式？": talking about the mode is not asking for it.
_NOT_ASKED = re.compile(r"没(?:说|让|叫|要)|不是要|谁让|什么大字|啥大字|什么模式|啥模式|打错|输错|写错|"
                        r"didn'?t ask|did not ask|don'?t want|no large|not large")
_ASKS_TO_DO_IT = re.compile(r"(?:帮我|给我|替我|帮俺|给俺)(?:直接)?(?:办|申请|弄|撤|改)|直接帮")
_ARE_YOU_A_BOT = re.compile(r"(?:你|您)是(?:不是)?(?:机器人|真人|人工|ai)|机器人还是真人|are you a (?:bot|robot|human|real)")
_STATUS_WORD = re.compile(r"状态|进度|审核|办好|通过|批了|批下|下来|生效|到期|过期|还有效|看看|啥样|什么样|status")


def _is_about_other(t: str) -> bool:
    # "我有没有备案" / "备案办好了吗" ask about a filing, they do not make one.
    return bool(_STATUS.search(t)) and not _FILE_ACT_STRONG.search(t)


def _has_value(slots: dict) -> bool:
    return any(k in slots for k in ("insured_area", "treatment_area", "area", "start_date", "end_date", "category",
                                    "phone")) or slots.get("principal") == "relative"


def _answers(step: StepInfo, kind: str | None, slots: dict, t: str, ex: nlu.Extraction) -> bool:
    """Return whether the message gives what the step asks."""
    if slots.get("option") is not None:
        return True
    if kind == "area":
        return any(k in slots for k in ("area", "insured_area", "treatment_area")) or bool(_FILED_PLACE.search(t))
    if kind == "date":
        return "start_date" in slots or "end_date" in slots
    if kind == "phone":
        return "phone" in slots
    if kind == "amount":
        return "amount" in slots or bool(re.search(r"^(?:跳过|skip|不填|不用了?)$", _squash(t)))
    if kind == "disease":
        # An unknown disease ("老胃病") is still an answer: the step says which ones it knows.
        return "disease" in slots or (len(_squash(t)) <= 8 and bool(re.search(r"病|症|炎|癌|瘤|压|糖|透析", t)))
    if kind == "id_number":
        return len(re.findall(r"\d", t)) >= 6
    if kind == "name":
        return len(_squash(t)) <= 12 and not re.search(FILING_WORD, t) and not _is_question(t)
    if kind == "choice":
        if ex.yes_no is not None and not _is_question(t):
            return True
        # Free words that a step's own validator reads (a category said in words, "有转诊单").
        return bool(slots.get("category") or slots.get("visit") or slots.get("principal"))
    return False


def asks_to_file(text: str) -> bool:
    """Return whether a message (whatever else it asks) also asks to make a filing ("办这个要钱不？我要办备案")."""
    t = nlu.normalize(text)
    return bool(_FILE_ACT.search(t)) and not _is_about_other(t)


def without_language_words(text: str) -> str:
    """Return the message without its request for a language ("…, English please" -> "…")."""
    return _LANG_PHRASE.sub(" ", text or "").strip(" ,，.。!！")


__all__ = ["without_language_words", "Understanding", "StepInfo", "understand", "step_kind", "option_of", "term_of", "field_of", "visit_of",
           "phone_of", "INTENTS", "TOPICS"]
