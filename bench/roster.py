#!/usr/bin/env python3
"""Writes a roster CSV of N valid children in the template's columns (for scripts/bench-import.sh).

    python3 bench/roster.py 5000 > roster.csv
"""
import sys

HEADERS = ["姓名", "性别", "出生日期", "学校", "年级", "身份证号", "监护人姓名", "监护人手机",
           "与儿童关系", "监护人工作单位", "健康情况/过敏", "优先类别"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(birth, serial):
    first17 = f"110105{birth}{serial:03d}"
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return first17 + "10X98765432"[total % 11]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    out = [",".join(HEADERS)]
    for i in range(n):
        year = 2015 + i % 6
        month, day = 1 + i % 12, 1 + i % 28
        birth = f"{year}{month:02d}{day:02d}"
        grade = str(1 + i % 6)
        out.append(",".join([
            f"儿童{i:05d}", "男" if i % 2 else "女", f"{year}-{month:02d}-{day:02d}", "示例市实验小学",
            grade, id_number(birth, i % 1000), f"家长{i:05d}", f"135{i:08d}", "母亲",
            "示例市第一人民医院", "花生过敏" if i % 7 == 0 else "", "双职工" if i % 5 == 0 else "",
        ]))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
