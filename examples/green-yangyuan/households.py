#!/usr/bin/env python3
"""Writes households.csv for the example community from units.csv.

Invented data with the shape of the real estate: every building's households
(as many as units.csv gives it) in walk-ups of six floors, two rooms a floor
per entrance, and care tags in plausible shares (about one household in
eleven an elderly person living alone). Deterministic: the same units.csv
always gives the same file. Run from anywhere:

    python3 examples/green-yangyuan/households.py
"""

import csv
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FLOORS = 6
ROOMS_PER_FLOOR = 2

NOTES_ELDERLY = [
    "耳背，请用力敲门",
    "行动不便，上下楼需搀扶",
    "子女在外地，电话登记在居委会",
    "独居，每天上午在小区散步",
    "有降压药，需提醒按时服用",
    "",
    "",
]
NOTES_DISABLED = ["轮椅出行，楼道请勿堆物", "视力不好，请先出声再敲门", ""]


def chance(key, salt):
    """A number in [0, 1) fixed by the household and the question asked."""
    digest = hashlib.sha256(f"{key}/{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def household(key):
    if chance(key, "vacant") < 0.03:
        return 0, ["vacant"], ""
    tags = []
    note = ""
    roll = chance(key, "age")
    if roll < 0.09:
        tags.append("elderly_alone")
        members = 1
        note = NOTES_ELDERLY[int(chance(key, "note") * len(NOTES_ELDERLY))]
    elif roll < 0.23:
        tags.append("empty_nest")
        members = 2
    else:
        members = 2 + int(chance(key, "members") * 4)
        if chance(key, "child") < 0.2:
            tags.append("child_care")
        if chance(key, "renter") < 0.22:
            tags.append("renter")
    if chance(key, "disabled") < 0.03:
        tags.append("disabled")
        note = note or NOTES_DISABLED[int(chance(key, "note") * len(NOTES_DISABLED))]
    if chance(key, "chronic") < (0.25 if members <= 2 else 0.04):
        tags.append("chronic_illness")
    if chance(key, "income") < 0.03:
        tags.append("low_income")
    if chance(key, "party") < 0.09:
        tags.append("party_member")
    return members, tags, note


def rooms(count):
    per_entrance = FLOORS * ROOMS_PER_FLOOR
    entrances = -(-count // per_entrance)
    for index in range(count):
        entrance, rest = divmod(index, per_entrance)
        floor, position = divmod(rest, ROOMS_PER_FLOOR)
        number = f"{floor + 1}{position + 1:02}"
        yield f"{entrance + 1}-{number}" if entrances > 1 else number


def main():
    with open(os.path.join(HERE, "units.csv"), encoding="utf-8") as units:
        buildings = [(row["building"], int(row["households"])) for row in csv.DictReader(units)]
    with open(os.path.join(HERE, "households.csv"), "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["building", "room", "members", "tags", "note"])
        for code, count in buildings:
            for room in rooms(count):
                members, tags, note = household(f"{code}/{room}")
                writer.writerow([code, room, members, ";".join(tags), note])


if __name__ == "__main__":
    main()
