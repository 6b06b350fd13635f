"""zh-CN words the camera path puts on a picture: the detector's classes and the camera rules.

One definition: the annotated thumbnail (and anything else on the edge that names a detected
object or a camera rule in Chinese) imports these. The rule names are the consoles' words for
the same alert kinds (gateway web/console/i18n.js, the gate console's app.js).
"""

from __future__ import annotations

from anju_contracts import AlertKind

# The COCO-80 classes of models/manifest.yaml, in its order. A COCO "motorcycle" in a
# residential compound is nearly always an electric two-wheeler, and the e-bike rule counts it
# as one (docs/detection.md), so it is named 电动车.
CLASS_NAMES_ZH: dict[str, str] = {
    "person": "人",
    "bicycle": "自行车",
    "car": "汽车",
    "motorcycle": "电动车",
    "airplane": "飞机",
    "bus": "客车",
    "train": "火车",
    "truck": "货车",
    "boat": "船",
    "traffic light": "红绿灯",
    "fire hydrant": "消防栓",
    "stop sign": "停车标志",
    "parking meter": "停车咪表",
    "bench": "长椅",
    "bird": "鸟",
    "cat": "猫",
    "dog": "狗",
    "horse": "马",
    "sheep": "羊",
    "cow": "牛",
    "elephant": "大象",
    "bear": "熊",
    "zebra": "斑马",
    "giraffe": "长颈鹿",
    "backpack": "背包",
    "umbrella": "雨伞",
    "handbag": "手提包",
    "tie": "领带",
    "suitcase": "行李箱",
    "frisbee": "飞盘",
    "skis": "滑雪板",
    "snowboard": "单板滑雪板",
    "sports ball": "球",
    "kite": "风筝",
    "baseball bat": "球棒",
    "baseball glove": "棒球手套",
    "skateboard": "滑板",
    "surfboard": "冲浪板",
    "tennis racket": "网球拍",
    "bottle": "瓶子",
    "wine glass": "酒杯",
    "cup": "杯子",
    "fork": "叉子",
    "knife": "刀",
    "spoon": "勺子",
    "bowl": "碗",
    "banana": "香蕉",
    "apple": "苹果",
    "sandwich": "三明治",
    "orange": "橙子",
    "broccoli": "西兰花",
    "carrot": "胡萝卜",
    "hot dog": "热狗",
    "pizza": "披萨",
    "donut": "甜甜圈",
    "cake": "蛋糕",
    "chair": "椅子",
    "couch": "沙发",
    "potted plant": "盆栽",
    "bed": "床",
    "dining table": "餐桌",
    "toilet": "马桶",
    "tv": "电视",
    "laptop": "笔记本电脑",
    "mouse": "鼠标",
    "remote": "遥控器",
    "keyboard": "键盘",
    "cell phone": "手机",
    "microwave": "微波炉",
    "oven": "烤箱",
    "toaster": "烤面包机",
    "sink": "水槽",
    "refrigerator": "冰箱",
    "book": "书",
    "clock": "钟",
    "vase": "花瓶",
    "scissors": "剪刀",
    "teddy bear": "玩具熊",
    "hair drier": "吹风机",
    "toothbrush": "牙刷",
}

# The camera rules' alert kinds, as the officers' and the gate console name them.
RULE_NAMES_ZH: dict[AlertKind, str] = {
    AlertKind.intrusion: "周界入侵",
    AlertKind.loitering: "可疑徘徊",
    AlertKind.fire_lane: "占用消防通道",
    AlertKind.ebike_indoor: "电动车进楼",
    AlertKind.crowd: "人员聚集",
}


def class_name_zh(label: str) -> str:
    """The Chinese name of a detector class; a class outside the glossary keeps its own name."""
    return CLASS_NAMES_ZH.get(label, label)


def rule_name_zh(kind: AlertKind) -> str:
    return RULE_NAMES_ZH.get(kind, kind.value)
