"""Small policies built in a temporary folder for the outcome-report tests (states, beneficiaries,
assumed inputs, reading sensitivity, one rate across cities).

Each folder holds a `taxonomy` symlink to the bundled taxonomy and real copies of the source texts
(a policy's source may not be a symlink).  The clauses are the bundled ones, cut down: every quote
is from policies/sources/*.txt, so the expected figures are worked from the texts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import POLICIES, SOURCES

# 张家港 (in force 2017-01-01): 第12条 host points by registered capital (tier_edges), 第13条 team reward
# split 3:7 with the referrer's beneficiary chosen per project, 第14条 domestic projects (a promise).
ZJG = '''policy zjg_mini {
  city zhangjiagang "张家港"
  effective 2017-01-01
  source "zjg.txt"
}

reading tier_edges "档位边界" {
  cite "第12条" "按注册资本1000～3000万美元、3000万～1亿美元、1亿美元以上的标准"
  option lower_closed "每档含下限、不含上限"
  option upper_closed "每档含上限"
  default lower_closed
  because "“以上”含本数"
}

clause major_foreign_project_points "重大外资项目按注册资本加分" {
  concept points.host_district
  beneficiary host_district
  cite "第12条" "对新引进符合我市产业发展要求的重大外资项目、开工后并有30%以上外资到账的"
  cite "第12条" "按注册资本1000～3000万美元、3000万～1亿美元、1亿美元以上的标准分别给予每个项目2、5、10的加分"
  when foreign and started and paid_in_ratio >= 30%
  value by reading tier_edges {
    lower_closed: tiers registered_capital {
      [1000万美元, 3000万美元) -> 2分
      [3000万美元, 1亿美元)    -> 5分
      [1亿美元, ∞)             -> 10分
    }
    upper_closed: tiers registered_capital {
      [1000万美元, 3000万美元] -> 2分
      (3000万美元, 1亿美元]    -> 5分
      (1亿美元, ∞)             -> 10分
    }
  }
}

clause team_reward "重大项目团队额外奖励" {
  concept reward.team
  beneficiary team
  cite "第13条" "“两区一园”注册资本1000万美元及以上、其他区镇注册资本500万美元及以上、开工并有30%以上外资到账的项目"
  cite "第13条" "给予当年度项目到帐外资2～5‰的奖励"
  when foreign and started and paid_in_ratio >= 30%
    and registered_capital >= (if in_core_zone then 1000万美元 else 500万美元)
  value 2‰~5‰ of fdi_arrived
}

split team_reward_split "引荐项目奖金按3:7分配" {
  cite "第13条" "对其中由区镇、机关部门引荐的项目，奖金由引荐单位与受荐单位按3:7的比例进行分配"
  splits team_reward
  when referral in {municipal_dept, other_district}
  shares referrer, host = 3:7
  beneficiary referrer = referring_department if referral == municipal_dept
  beneficiary referrer = referring_district
}

clause domestic_reference "优质内资项目按固定资产实际投入参照考核激励" {
  concept assessment.domestic_reference
  beneficiary host_district
  cite "第14条" "对招引的优质内资项目，可按照其固定资产实际投入量，参照本意见实施考核、激励"
  when not foreign and fixed_asset_investment > 0元 derived "有固定资产实际投入"
  value promised "按照其固定资产实际投入量，参照本意见实施考核、激励"
}
'''

# 无锡 (issued 2023-09-28): (6) the intermediary's 5‰ capped at 200万元, (16) up to 2% of arrived FDI.
WUXI = '''policy wuxi_mini {
  city wuxi "无锡"
  issued 2023-09-28
  source "wuxi.txt"
}

clause intermediary_referral_reward "中介机构引荐重大产业项目奖励" {
  concept reward.intermediary
  cite "(6)" "对符合要求的重大产业项目，落地后按项目实缴资金给予引荐中介机构5‰、最高200万元奖励"
  when referral == intermediary and licensed
  value 5‰ of cny(paid_in_capital) cap 200万元
}

clause fdi_arrival_reward "新批外资项目到账外资奖励" {
  concept reward.fdi
  cite "(16)" "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过5000万元奖励"
  when foreign
  value up to 2% of cny(fdi_arrived) cap 5000万元
}
'''


def make_folder(tmp: Path) -> Path:
    """A folder with zjg.policy and wuxi.policy, their sources copied in, and the taxonomy linked."""
    (tmp / "taxonomy").symlink_to(POLICIES / "taxonomy")
    shutil.copyfile(SOURCES / "zhangjiagang_2017.txt", tmp / "zjg.txt")
    shutil.copyfile(SOURCES / "wuxi_2023.txt", tmp / "wuxi.txt")
    (tmp / "zjg.policy").write_text(ZJG, encoding="utf-8")
    (tmp / "wuxi.policy").write_text(WUXI, encoding="utf-8")
    return tmp
