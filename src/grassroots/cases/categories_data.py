"""Default case categories, loaded on migrate when missing (a city edits them afterwards).

National digital city-management classes (部件 / 事件, GB/T 30428 family) plus community classes.
Row: (code, parent code or "", name, kind, default tier, deadline value, unit, handler kind, required).
"""

from __future__ import annotations

WD, H = "working_days", "hours"

DEFAULT_CATEGORIES: list[tuple[str, str, str, str, str, int, str, str, list[str]]] = [
    # 部件
    ("01", "", "公共设施", "component", "major", 5, WD, "department", ["location"]),
    ("0101", "01", "井盖破损缺失", "component", "major", 24, H, "department", ["location"]),
    ("0102", "01", "路灯损坏", "component", "major", 3, WD, "department", ["location"]),
    ("0103", "01", "供水排水设施损坏", "component", "major", 2, WD, "department", ["location"]),
    ("02", "", "交通设施", "component", "major", 5, WD, "department", ["location"]),
    ("0201", "02", "交通信号灯故障", "component", "major", 24, H, "department", ["location"]),
    ("0202", "02", "护栏、隔离墩损坏", "component", "major", 3, WD, "department", ["location"]),
    ("03", "", "市容环境设施", "component", "minor", 3, WD, "street", ["location"]),
    ("0301", "03", "垃圾箱损坏", "component", "minor", 3, WD, "street", ["location"]),
    ("0302", "03", "公厕设施损坏", "component", "minor", 3, WD, "street", ["location"]),
    ("04", "", "园林绿化设施", "component", "minor", 5, WD, "department", ["location"]),
    ("0401", "04", "树木倒伏、枯死", "component", "major", 2, WD, "department", ["location"]),
    ("0402", "04", "绿地毁损", "component", "minor", 5, WD, "department", ["location"]),
    ("05", "", "其他部件", "component", "minor", 5, WD, "street", []),
    # 事件
    ("11", "", "市容环境", "event", "minor", 3, WD, "street", []),
    ("1101", "11", "暴露垃圾", "event", "minor", 1, WD, "street", ["location"]),
    ("1102", "11", "道路不洁", "event", "minor", 1, WD, "street", ["location"]),
    ("12", "", "宣传广告", "event", "minor", 3, WD, "street", []),
    ("1201", "12", "非法小广告", "event", "minor", 2, WD, "community", ["location"]),
    ("13", "", "施工管理", "event", "major", 3, WD, "department", []),
    ("1301", "13", "施工扰民", "event", "major", 2, WD, "department", ["address"]),
    ("1302", "13", "违法建设", "event", "major", 5, WD, "department", ["address"]),
    ("14", "", "街面秩序", "event", "minor", 2, WD, "street", []),
    ("1401", "14", "占道经营", "event", "minor", 2, WD, "street", ["location"]),
    ("1402", "14", "乱停乱放", "event", "minor", 2, WD, "street", ["location"]),
    ("15", "", "突发事件", "event", "major", 2, H, "department", ["location"]),
    ("1501", "15", "道路塌陷", "event", "major", 2, H, "department", ["location"]),
    ("1502", "15", "管道破裂", "event", "major", 4, H, "department", ["location"]),
    ("16", "", "其他事件", "event", "minor", 5, WD, "street", []),
    # 社区事项
    ("21", "", "民生服务", "community", "minor", 5, WD, "community", []),
    ("2101", "21", "养老助残", "community", "minor", 5, WD, "community", []),
    ("2102", "21", "困难帮扶", "community", "minor", 5, WD, "community", []),
    ("22", "", "物业管理", "community", "minor", 5, WD, "community", ["address"]),
    ("2201", "22", "电梯故障", "community", "major", 24, H, "community", ["address"]),
    ("2202", "22", "房屋漏水", "community", "minor", 5, WD, "community", ["address"]),
    ("2203", "22", "小区环境卫生", "community", "minor", 3, WD, "community", ["address"]),
    ("23", "", "邻里纠纷", "community", "minor", 10, WD, "community", []),
    ("2301", "23", "噪音扰邻", "community", "minor", 5, WD, "community", ["address"]),
    ("2302", "23", "私人财产纠纷", "community", "private", 10, WD, "community", []),
    ("24", "", "治安隐患", "community", "major", 2, WD, "department", ["address"]),
    ("2401", "24", "消防通道堵塞", "community", "major", 1, WD, "community", ["location"]),
    ("25", "", "环境卫生", "community", "minor", 3, WD, "community", []),
    ("26", "", "其他社区事项", "community", "minor", 5, WD, "community", []),
]

# Categories on the default community admission list (准入清单, GOV-2): matters a community may be
# given. Department matters (law enforcement, construction permits, infrastructure) are not on it.
DEFAULT_ADMISSION = ["1201", "21", "22", "23", "2401", "25", "26"]

# Words residents use for each class (category suggestion, cases.suggest); a city edits them on the
# config page. Only set when the category is created.
DEFAULT_KEYWORDS: dict[str, str] = {
    "0101": "井盖 窨井 下水井 盖子",
    "0102": "路灯 灯不亮 照明 黑灯",
    "0103": "供水 排水 下水道 堵塞 积水 雨水篦子",
    "0201": "红绿灯 信号灯",
    "0202": "护栏 隔离墩 栏杆",
    "0301": "垃圾箱 垃圾桶 果皮箱",
    "0302": "公厕 厕所",
    "0401": "树木 倒伏 枯树 树枝",
    "0402": "绿地 草坪 绿化带",
    "1101": "垃圾 堆放 清运 暴露",
    "1102": "路面 脏 油污 尘土",
    "1201": "小广告 牛皮癣 张贴 涂写",
    "1301": "施工 噪音 夜间施工 扰民",
    "1302": "违建 违法建设 私搭乱建 加盖",
    "1401": "占道 摆摊 流动摊贩 经营",
    "1402": "乱停 停车 占用 车位 电动车",
    "1501": "塌陷 坑 路面下沉",
    "1502": "管道 破裂 漏水 爆管 冒水",
    "2101": "老人 养老 助残 残疾 独居",
    "2102": "困难 低保 救助 帮扶",
    "2201": "电梯 故障 困人 停运",
    "2202": "漏水 渗水 房顶 楼上",
    "2203": "物业 卫生 楼道 清扫",
    "2301": "噪音 吵闹 扰邻 装修 广场舞",
    "2302": "财产 纠纷 借款 赔偿",
    "2401": "消防通道 堵塞 杂物 消防",
}
