#!/usr/bin/env python3
"""Write a giấy mời batch plan with CLUSTERS clusters of SCHOOLS schools.

Used by the benchmark (1,000 x 10 = 10,000 letters) and by the integration
test (a 1,000-letter run).  Names are Vietnamese and varied so that slugs,
NFC and escaping are exercised as in a real province: every tenth school
is a "TH&THCS" and some names repeat across districts, so that two files
slug alike and need a suffix.

usage: gen_plan.py CLUSTERS SCHOOLS OUT.xml
"""
import sys

COMMUNES = ["Lai Vu", "Thượng Vũ", "Cổ Dũng", "Cộng Hòa", "Tuấn Hưng",
            "Việt Hưng", "Kim Xuyên", "Quỳnh Khê", "Phúc Thành", "Kim Lương",
            "Kim Khê", "Phú Thái", "Kim Anh", "Ngũ Phúc", "Quảng Đạt",
            "Kim Đính", "Kim Tân", "Bình Dân", "Cẩm La", "Đồng Gia",
            "Liên Hòa", "Tam Kỳ", "Kiến Đức", "Đại Xuyên", "Sá Tổng",
            "Mường Chà", "Na Sang", "Huổi Lèng", "Sa Lông", "Ma Thì Hồ"]


def school(c, s):
    kind = "TH&amp;THCS" if s % 10 == 9 else "TH"
    commune = COMMUNES[(c * 7 + s) % len(COMMUNES)]
    # the same commune name recurs in other clusters: make names unique
    # within the plan (a school belongs to one cluster) with a district
    return f"{kind} {commune} {c + 1}-{s + 1}"


def main():
    clusters, schools, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    w = []
    w.append('<?xml version="1.0" encoding="UTF-8"?>\n<plan type="giay-moi">\n'
             '  <agency>\n    <parent>Ủy ban nhân dân tỉnh Hải Dương</parent>\n'
             '    <name abbr="SGDĐT" short="Sở GD&amp;ĐT">Sở Giáo dục và Đào tạo</name>\n'
             '    <place>Hải Dương</place>\n  </agency>\n'
             '  <number>101</number>\n  <date>2018-03-05</date>\n'
             '  <subject>Dự sinh hoạt chuyên môn theo cụm trường</subject>\n'
             '  <invitation>\n'
             '    <invitee>Hiệu trưởng và tổ trưởng chuyên môn trường {{school}}</invitee>\n'
             '    <event>buổi sinh hoạt chuyên môn {{cluster}} về {{topic}}</event>\n'
             '    <chair>Lãnh đạo Sở Giáo dục và Đào tạo</chair>\n'
             '  </invitation>\n  <clusters>\n')
    for c in range(clusters):
        day = 6 + c % 20
        host = school(c, 0)
        w.append(f'    <cluster name="Cụm số {c + 1}" date="2018-04-{day:02d}" '
                 f'session="{"sáng" if c % 2 == 0 else "chiều"}" '
                 f'time="{"07:30" if c % 2 == 0 else "14:00"}">\n'
                 f'      <host>{host}</host>\n      <venue>Trường {host}</venue>\n'
                 '      <topic>tổ chức các hoạt động trải nghiệm cho học sinh</topic>\n')
        for s in range(schools):
            w.append(f'      <school>{school(c, s)}</school>\n')
        w.append('    </cluster>\n')
    w.append('  </clusters>\n  <copies-to>\n    <to>Lãnh đạo Sở</to>\n'
             '    <archive>VT, GDTH</archive>\n  </copies-to>\n'
             '  <signature authority="KT">\n    <title>Giám đốc</title>\n'
             '    <title>Phó Giám đốc</title>\n    <name>Nguyễn Văn Hùng</name>\n'
             '  </signature>\n</plan>\n')
    with open(out, "w", encoding="utf-8") as f:
        f.write("".join(w))


if __name__ == "__main__":
    main()
