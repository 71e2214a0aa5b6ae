"""`grassroots route`: route one point (--lng/--lat), an address (--address) or a CSV of points (--file)
to grid, community and street. CSV input columns: lng,lat (header optional); output CSV on stdout."""

from __future__ import annotations

import csv
import sys

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from grassroots.core.errors import ServiceError
from grassroots.grids import routing


class Command(BaseCommand):
    help = "把坐标点或楼栋地址定位到网格、社区、街道（支持 wgs84 / gcj02 / bd09 坐标系）"

    def add_arguments(self, parser):
        parser.add_argument("--lng", type=float)
        parser.add_argument("--lat", type=float)
        parser.add_argument("--address")
        parser.add_argument("--file", help="CSV 文件：每行 经度,纬度；- 表示标准输入")
        parser.add_argument("--coord-system", default="wgs84", choices=["wgs84", "gcj02", "bd09"])

    def handle(self, *args, **o):
        try:
            if o["file"]:
                return self._batch(o["file"], o["coord_system"])
            if o["address"]:
                return self._print(routing.route_address(o["address"]))
            if o["lng"] is None or o["lat"] is None:
                raise CommandError("请提供 --lng 和 --lat，或 --address，或 --file")
            return self._print(routing.route_point(o["lng"], o["lat"], o["coord_system"]))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

    def _print(self, r):
        if not r["found"]:
            self.stdout.write(r["message"])
            return
        g = r["grid"]
        also = f"（共用边界，亦属 {'、'.join(r['also'])}）" if r["also"] else ""
        self.stdout.write(f"{g['code']}\t{g['name']}\t{g['community_name']}\t{g['street_name']}{also}")

    def _batch(self, path, system):
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8-sig")  # noqa: SIM115
        lngs, lats = [], []
        with fh:
            for n, row in enumerate(csv.reader(fh), 1):
                if not row or not row[0].strip():
                    continue
                try:
                    lngs.append(float(row[0]))
                    lats.append(float(row[1]))
                except (ValueError, IndexError) as exc:
                    if n == 1:
                        continue  # header
                    raise CommandError(f"第 {n} 行坐标格式不正确：{','.join(row)}") from exc
        from grassroots.grids.coords import to_wgs84

        x, y = to_wgs84(np.array(lngs), np.array(lats), system)
        index = routing.get_index()
        best = index.route_batch(x, y)
        out = csv.writer(self.stdout)
        out.writerow(["lng", "lat", "grid_code", "grid_name", "community_code", "street_code"])
        for a, b, i in zip(lngs, lats, best.tolist()):
            info = index.infos[i] if i >= 0 else None
            out.writerow(
                [
                    a,
                    b,
                    info.code if info else "",
                    info.name if info else routing.NOT_IN_ANY_GRID,
                    info.community_code if info else "",
                    info.street_code if info else "",
                ]
            )
