"""Chinese text for the synthetic county, and its search tokens without cutting every
document again.

Bodies are built from a pool of sentences, each ending in a full stop or separated by a
space. jieba cuts text into blocks at punctuation and spaces before it looks at words, so
the tokens of a body are the tokens of its sentences in order: each sentence is cut once
(`Tokens.of`) and a document's index text is assembled from the pieces (`index_text`).
The result is exactly what `portal.search.tokens.index_text` gives for the whole text,
which the tests check.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from portal.privacy import mask
from portal.search.tokens import _is_han, index_tokens, normalize  # the tokenizer's own test

TOWN_NAMES = ("城关镇", "双塔镇", "花园乡", "王桥镇", "白云乡", "北关镇", "程庄镇", "老颜集乡",
              "人和镇", "龙塘镇", "孙六镇", "伯党乡", "野岗镇", "胡集乡", "林七乡", "褚庙乡")
DEPARTMENTS = (("党政办公室", "office"), ("便民服务中心", "service"), ("财政所", "finance"),
               ("司法所", "justice"), ("综治中心", "zongzhi"), ("农业服务中心", "agri"))
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
VILLAGE_SUFFIXES = ("庄村", "店村", "集村", "楼村", "营村", "寨村", "岗村", "湾村", "桥村", "屯村")

SUBJECTS = (
    "高标准农田建设项目验收", "农村人居环境整治", "秸秆禁烧和综合利用", "城乡居民医疗保险参保缴费",
    "森林防火", "防汛抗旱", "安全生产大检查", "耕地保护和违法占地整治", "农村低保动态管理",
    "残疾人两项补贴发放", "退役军人优待抚恤", "义务教育控辍保学", "农村危房改造",
    "矛盾纠纷排查化解", "法治政府建设", "政务公开", "村级财务管理", "农村集体资产清产核资",
    "冬春农田水利建设", "小麦病虫害防治", "农村饮水安全", "乡村振兴示范村创建", "河长制巡河",
    "燃气安全隐患排查", "食品安全监管", "疫苗接种", "老年人高龄津贴发放", "特困人员供养",
    "临时救助", "宅基地审批管理", "一事一议财政奖补", "农村公路养护", "电动自行车充电安全",
    "校园周边环境整治", "扫黑除恶常态化", "信访积案化解", "网格化管理", "文明村镇创建",
    "移风易俗", "农民专业合作社规范提升", "土地承包经营权确权", "林长制", "禁毒宣传",
    "消防安全", "人口普查", "统计调查", "征兵", "防范电信网络诈骗", "春季植树造林",
)
ACTIONS = ("开展", "做好", "加强", "推进", "组织实施", "进一步规范", "全面落实", "深入推进")
DOCTYPES = ("工作的通知", "工作实施方案", "工作的公告", "工作情况的报告", "工作的通告",
            "工作计划", "工作总结", "专项行动方案", "工作的意见", "有关事项的通知")
PURPOSES = ("切实保障群众合法权益", "进一步提高工作质量", "确保各项任务按期完成",
            "推动工作落地见效", "营造良好的社会环境", "提升群众满意度", "防范化解风险隐患",
            "巩固拓展脱贫攻坚成果", "促进乡村全面振兴", "规范权力运行")
BASES = ("《中华人民共和国政府信息公开条例》", "县委、县政府有关部署", "上级文件精神",
         "《中华人民共和国村民委员会组织法》", "年度重点工作安排", "县有关部门的通知要求")
UNITS = ("镇", "乡", "所", "中心", "办")
TEMPLATES = (
    "为{purpose}，根据{basis}，结合我{unit}实际，现就{subject}工作有关事项通知如下。",
    "各村、各站所要高度重视{subject}工作，主要负责同志亲自抓，分管负责同志具体抓。",
    "{subject}工作自{month}月起开展，{month2}月底前全面完成。",
    "对{subject}中发现的问题，要建立台账，明确责任人和整改时限，做到{purpose}。",
    "镇纪委将对{subject}工作进行跟踪督办，对工作不力的予以通报。",
    "截至{month}月底，全{unit}共完成{subject}任务{number}项，完成率{percent}%。",
    "群众对{subject}工作有意见建议的，可拨打便民服务电话或到便民服务中心反映。",
    "{subject}所需资金由镇财政统筹安排，专款专用，任何单位和个人不得挤占挪用。",
    "各村要通过村务公开栏、微信群等方式广泛宣传{subject}政策，做到家喻户晓。",
    "经研究，成立{subject}工作领导小组，领导小组办公室设在党政办公室。",
    "本{unit}将{subject}纳入年度目标考核，考核结果作为评先评优的重要依据。",
    "{subject}工作共涉及{number}户群众，累计发放资金{money}万元。",
)
INQUIRY_TITLES = (
    "{subject}有关政策咨询", "关于{subject}的建议", "反映{place}{subject}问题",
    "{place}{subject}求助", "举报{place}{subject}中的违规行为", "申请公开{subject}相关信息",
    "{subject}什么时候开始办理", "{place}的{subject}进度如何",
)
INQUIRY_BODIES = (
    "我是{place}的村民，想了解{subject}的具体政策和办理流程，请问需要准备哪些材料？",
    "{place}的{subject}工作已经拖了很久，群众意见较大，希望尽快解决。",
    "建议在{place}加强{subject}，方便群众办事。",
    "家中老人行动不便，{subject}的事情能否上门办理？",
    "申请获取{subject}的资金使用和人员名单等信息。",
    "听说今年{subject}的标准有调整，请问调整后是多少？",
)
REPLIES = (
    "您好！您反映的{subject}问题已转相关站所核实办理，感谢您对我们工作的关心和支持。",
    "经核实，{subject}工作按照县统一部署推进，具体标准以县相关部门公布的文件为准。",
    "您好！{subject}可到便民服务中心窗口办理，工作日均可受理，如有疑问请来电咨询。",
    "您提出的建议很有价值，我镇已将{subject}纳入下一步工作计划，将认真研究落实。",
)


@dataclass
class Tokens:
    """One piece of text with its index words and its Chinese characters."""

    text: str
    words: list[str]
    chars: list[str]

    @classmethod
    def of(cls, text: str) -> Tokens:
        tokens = index_tokens(text)
        chars = [char for char in normalize(text) if _is_han(char)]
        return cls(text, tokens[:len(tokens) - len(chars)], chars)


def index_text(pieces: list[Tokens]) -> str:
    """The index text of the pieces' texts joined by spaces (or by nothing, when each
    piece ends in punctuation): every piece's words in order, then every character."""
    words = [word for piece in pieces for word in piece.words]
    chars = [char for piece in pieces for char in piece.chars]
    return " ".join(words + chars)


@dataclass
class TextPool:
    """Sentences, inquiry titles and replies, each cut once."""

    rng: random.Random
    sentences: list[Tokens] = field(default_factory=list)
    inquiry_titles: list[Tokens] = field(default_factory=list)
    inquiry_bodies: list[Tokens] = field(default_factory=list)
    replies: list[Tokens] = field(default_factory=list)
    keywords: list[Tokens] = field(default_factory=list)

    @classmethod
    def build(cls, rng: random.Random, places: list[str], size: int = 1500) -> TextPool:
        pool = cls(rng)
        pool.sentences = [Tokens.of(pool._sentence()) for _ in range(size)]
        pool.inquiry_titles = [Tokens.of(mask(pool._fill(rng.choice(INQUIRY_TITLES), places)))
                               for _ in range(size)]
        pool.inquiry_bodies = [Tokens.of(mask(pool._fill(rng.choice(INQUIRY_BODIES), places)))
                               for _ in range(size)]
        pool.replies = [Tokens.of(mask(pool._fill(template, places, subject)))
                        for template in REPLIES for subject in SUBJECTS]
        pool.keywords = [Tokens.of(f"{a} {b}") for a in SUBJECTS[:20] for b in ("通知", "公告",
                                                                                 "方案", "报告")]
        return pool

    def _fill(self, template: str, places: list[str], subject: str | None = None) -> str:
        return template.format(subject=subject or self.rng.choice(SUBJECTS),
                               place=self.rng.choice(places))

    def _sentence(self) -> str:
        rng = self.rng
        month = rng.randint(1, 11)
        return rng.choice(TEMPLATES).format(
            purpose=rng.choice(PURPOSES), basis=rng.choice(BASES), unit=rng.choice(UNITS),
            subject=rng.choice(SUBJECTS), month=month, month2=rng.randint(month + 1, 12),
            number=rng.randint(3, 900), percent=rng.randint(60, 100),
            money=round(rng.uniform(1, 300), 1))

    def body(self) -> list[list[Tokens]]:
        """Paragraphs of sentences, of widely varied length (a notice to a long report)."""
        rng = self.rng
        paragraphs = rng.choice((1, 2, 3, 3, 4, 5, 6, 8, 12)) if rng.random() > 0.05 \
            else rng.randint(20, 40)
        return [[rng.choice(self.sentences) for _ in range(rng.randint(1, 5))]
                for _ in range(paragraphs)]


def body_html(paragraphs: list[list[Tokens]]) -> str:
    """The stored rich text: one <p> per paragraph (the sentences hold no markup)."""
    return "\n".join("<p>" + "".join(s.text for s in paragraph) + "</p>"
                     for paragraph in paragraphs)


def body_plain(paragraphs: list[list[Tokens]]) -> str:
    """What `portal.sanitize.html_to_text` makes of `body_html`: paragraphs joined by a
    space."""
    return " ".join("".join(s.text for s in paragraph) for paragraph in paragraphs)


def disclosure_title(rng: random.Random, issuer: str, year: int) -> str:
    return (f"{issuer}关于{rng.choice(ACTIONS)}{year}年{rng.choice(SUBJECTS)}"
            f"{rng.choice(DOCTYPES)}")


def village_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct village names such as 王庄村."""
    names = [s + suffix for s in SURNAMES for suffix in VILLAGE_SUFFIXES]
    rng.shuffle(names)
    return names[:count]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(("先生", "女士", "某某", "大爷", "阿姨"))
