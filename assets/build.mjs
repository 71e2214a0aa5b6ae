// Bundles the npm front-end packages and our own scripts into src/grassroots/static/dist.
// Nothing is loaded from a CDN at run time: government intranets are offline.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const out = "src/grassroots/static/dist";
const nm = "node_modules";
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "fonts"), { recursive: true });

// Source-map references of the vendor files are dropped: the maps aren't shipped, and collectstatic's
// manifest storage fails on a reference to a missing file.
const read = (p) =>
  readFileSync(p, "utf8").replace(/\/\*# sourceMappingURL=[^*]*\*\//g, "").replace(/\/\/# sourceMappingURL=\S*/g, "");
const ours = (dir, ext) =>
  readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => `/* ${f} */\n` + read(join(dir, f)));

// One script for every page: htmx, Alpine (started by app code), Tabler's components, then ours.
const vendorJs = [
  `${nm}/htmx.org/dist/htmx.min.js`,
  `${nm}/@tabler/core/dist/js/tabler.min.js`,
].map(read);
writeFileSync(join(out, "app.js"), [...vendorJs, ...ours("assets/js", ".js")].join("\n;\n"));
// Alpine goes last and deferred so that our components register on alpine:init first.
copyFileSync(`${nm}/alpinejs/dist/cdn.min.js`, join(out, "alpine.js"));
// ECharts is large: a separate file, loaded only on pages with charts or maps.
copyFileSync(`${nm}/echarts/dist/echarts.min.js`, join(out, "echarts.js"));
// Leaflet: the tile maps where a person must find a place (base layer + boundaries + names).
copyFileSync(`${nm}/leaflet/dist/leaflet.js`, join(out, "leaflet.js"));
writeFileSync(join(out, "leaflet.css"), read(`${nm}/leaflet/dist/leaflet.css`));
mkdirSync(join(out, "images"), { recursive: true });
for (const f of readdirSync(`${nm}/leaflet/dist/images`)) copyFileSync(`${nm}/leaflet/dist/images/${f}`, join(out, "images", f));

const css = [read(`${nm}/@tabler/core/dist/css/tabler.min.css`),
  read(`${nm}/@tabler/icons-webfont/dist/tabler-icons.min.css`), ...ours("assets/css", ".css")];
writeFileSync(join(out, "app.css"), css.join("\n"));
for (const f of ["tabler-icons.woff2", "tabler-icons.woff", "tabler-icons.ttf"]) {
  copyFileSync(`${nm}/@tabler/icons-webfont/dist/fonts/${f}`, join(out, "fonts", f));
}
console.log(`assets built into ${out}`);
