"""The project record: the inputs every policy reads (names fixed by ../shared/domain.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dsl.units import Dim


@dataclass(frozen=True)
class Field:
    name: str
    dim: Dim
    meaning: str
    default: object = None
    choices: tuple[str, ...] = ()
    low: Decimal | None = None  # the field's domain, for "can never fire" warnings
    high: Decimal | None = None


CATEGORIES: tuple[str, ...] = (
    "listed_company_hq", "fortune_global_500", "china_top_500", "listed_company_investee", "foreign_hq",
    "functional_institution", "specialized_sme_first", "landmark", "foreign_rnd_center",
)
REFERRALS: tuple[str, ...] = ("none", "municipal_dept", "other_district", "intermediary")
# Taicang's pre-evaluation grades, best first; which seven they are is a reading (grade_scale).
GRADES: tuple[str, ...] = ("A+", "A", "B+", "B", "C", "D", "E", "F")

_ZERO = Decimal(0)
_ONE = Decimal(1)

FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("id", Dim.TEXT, "project identifier"),
    Field("foreign", Dim.BOOL, "foreign-invested (外资) project", False),
    Field("registered_capital", Dim.MONEY, "注册资本", 0, low=_ZERO),
    Field("total_investment", Dim.MONEY, "总投资", 0, low=_ZERO),
    Field("paid_in_ratio", Dim.RATIO, "share of registered capital paid in (首期/外资到账比例)", 0, low=_ZERO, high=_ONE),
    Field("paid_in_capital", Dim.MONEY, "实缴资金 (default registered_capital × paid_in_ratio)", None, low=_ZERO),
    Field("fdi_arrived", Dim.MONEY, "foreign capital arrived this year (当年度到账外资)", 0, low=_ZERO),
    Field("fixed_asset_investment", Dim.MONEY, "固定资产实际投入", 0, low=_ZERO),
    Field("licensed", Dim.BOOL, "business licence obtained", False),
    Field("started", Dim.BOOL, "construction started (开工)", False),
    Field("in_core_zone", Dim.BOOL, "in the city's core platform (两区一园, development zone)", False),
    Field("categories", Dim.SET, "categories of the project", (), choices=CATEGORIES),
    Field("referral", Dim.CHOICE, "who referred the project", "none", choices=REFERRALS),
    Field("expansion", Dim.BOOL, "capital increase by a settled firm (增资扩产)", False),
    Field("manufacturing", Dim.BOOL, "manufacturing project", False),
    Field("industry", Dim.TEXT, "industry label", ""),
    Field("quality_score", Dim.SCALAR, "project-quality score 0–100 (Zhangjiagang)", None, low=_ZERO, high=Decimal(100)),
    Field("grade", Dim.TEXT, "pre-evaluation grade (Taicang): A+, A, B+, B, C, D, E, F", None, choices=GRADES),
    Field("needs_municipal_support", Dim.BOOL, "asks for municipal fiscal support", False),
    Field("year", Dim.SCALAR, "year evaluated (default: the policy's first year)", None),
    Field("year_of_life", Dim.SCALAR, "year of the project's life: 1 in the year it lands (registers), 2 the next …",
          1, low=_ONE),
)}
# Free-text fields a condition may compare with a quoted text (`industry == "房地产"`): open choices,
# whose values are the texts the policies name and any other text.
TEXT_FIELDS: tuple[str, ...] = tuple(n for n, f in FIELDS.items() if f.dim == Dim.TEXT and not f.choices and n != "id")

# Each built-in field's labels (Chinese, English), for `policylab fields` and explanations; the Chinese
# as the texts say it (../shared/domain.md, glossary and record).
LABELS: dict[str, tuple[str, str]] = {
    "id": ("项目编号", "project identifier"),
    "foreign": ("外资项目", "foreign-invested project"),
    "registered_capital": ("注册资本", "registered capital"),
    "total_investment": ("总投资", "total investment"),
    "paid_in_ratio": ("首期/外资到账比例", "share of registered capital paid in"),
    "paid_in_capital": ("实缴资金", "paid-in capital"),
    "fdi_arrived": ("当年度到账外资", "foreign capital arrived this year"),
    "fixed_asset_investment": ("固定资产实际投入", "fixed-asset investment actually made"),
    "licensed": ("领取营业执照", "business licence obtained"),
    "started": ("开工", "construction started"),
    "in_core_zone": ("两区一园（主平台）", "in the city's core platform"),
    "categories": ("项目类别", "categories of the project"),
    "referral": ("引荐方", "who referred the project"),
    "expansion": ("增资扩产", "capital increase by a settled firm"),
    "manufacturing": ("制造业项目", "manufacturing project"),
    "industry": ("行业", "industry label"),
    "quality_score": ("项目质量评分", "project-quality score 0–100"),
    "grade": ("预评估等级", "pre-evaluation grade"),
    "needs_municipal_support": ("需市级财政支持", "asks for municipal fiscal support"),
    "year": ("评估年度", "year evaluated"),
    "year_of_life": ("项目落地第几年", "year of the project's life"),
}
# The built-in values' labels (Chinese, English): categories and referrals.
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "categories.listed_company_hq": ("上市公司总部", "listed company HQ"),
    "categories.fortune_global_500": ("世界500强", "Fortune Global 500"),
    "categories.china_top_500": ("中国500强", "China top 500"),
    "categories.listed_company_investee": ("上市公司投资企业", "listed-company investee"),
    "categories.foreign_hq": ("外资总部", "foreign HQ"),
    "categories.functional_institution": ("总部型功能性机构", "functional institution"),
    "categories.specialized_sme_first": ("首次获评“专精特新”企业", "first-time specialised, refined, distinctive, innovative SME"),
    "categories.landmark": ("标志性重大项目", "landmark project"),
    "categories.foreign_rnd_center": ("外资研发中心", "foreign R&D centre"),
    "referral.none": ("无", "none"),
    "referral.municipal_dept": ("市级机关", "municipal department"),
    "referral.other_district": ("其他区镇", "another district"),
    "referral.intermediary": ("中介机构", "intermediary"),
}
