// Copies the pinned browser libraries from node_modules into the app's static folder, so that
// the app serves them itself (no CDN, no npm at run time). Run `npm ci && npm run vendor`.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";

const files = [
  ["htmx.org", "dist/htmx.min.js", "htmx.min.js"],
  // The "common" build has bar, line and pie charts with their components: all the app draws.
  ["echarts", "dist/echarts.common.min.js", "echarts.common.min.js"],
];
const out = new URL("../src/fanxiang_web/static/vendor/", import.meta.url);
const lines = [];
for (const [pkg, from, to] of files) {
  const dir = new URL(`../node_modules/${pkg}/`, import.meta.url);
  const { version, license } = JSON.parse(readFileSync(new URL("package.json", dir)));
  copyFileSync(new URL(from, dir), new URL(to, out));
  lines.push(`${to}\t${pkg}@${version}\t${from}\t${license}`);
}
writeFileSync(new URL("VERSIONS.txt", out), lines.join("\n") + "\n");
console.log(lines.join("\n"));
