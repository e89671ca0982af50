/*
 * The portcullis dashboard: reads only the proxy's JSON API
 * (/portcullis/v1/search, status, overview, events) with the browser's
 * own credentials, and builds every node with textContent, never HTML
 * from data: repository names, reasons and paths come from pushers.
 */
"use strict";

const API = "/portcullis/v1/";
const state = { images: [], next: null, sort: { key: "verdict", dir: -1 },
  events: [], overview: null, selected: null, query: "" };

function el(tag, attrs, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") n.className = v;
    else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? "" : String(v));
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined) continue;
    n.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
  }
  return n;
}
const $ = (s) => document.querySelector(s);
function toast(msg) {
  const t = $("#toast");
  t.textContent = msg;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
}

async function getJSON(path) {
  const r = await fetch(API + path, { credentials: "same-origin" });
  if (!r.ok) {
    let why = r.status + " " + r.statusText;
    try { const j = await r.json(); why = (j.errors && j.errors[0].message) || why; } catch (e) { /* keep */ }
    const err = new Error(why);
    err.status = r.status;
    throw err;
  }
  return r.json();
}

function ago(sec) {
  if (sec === null || sec === undefined || sec < 0) return "never";
  if (sec < 90) return Math.round(sec) + " s";
  if (sec < 5400) return Math.round(sec / 60) + " min";
  if (sec < 172800) return Math.round(sec / 3600) + " h";
  return Math.round(sec / 86400) + " d";
}
const shortDigest = (d) => (d || "").replace(/^sha256:/, "").slice(0, 12);
const when = (t) => t ? new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z" : "";

/* ---- overview: header, cards, policy ---- */

function renderMeta(o) {
  const meta = $("#meta");
  meta.textContent = "";
  $("#signin").hidden = !!o;
  if (!o) { meta.textContent = "your view: the images your registry account may read"; return; }
  meta.append(o.instance + " \u00b7 v" + o.version + " \u00b7 data " + (o.data_version || "none") +
    " (" + o.advisory_entries + " advisory entries)");
  const feeds = $("#feeds");
  feeds.textContent = "";
  for (const [k, v] of Object.entries(o.feeds || {})) {
    const m = /^dev\.portcullis\.feed\.(.+)\.age-seconds$/.exec(k);
    if (!m) continue;
    const age = Number(v);
    feeds.append(el("span", { class: "chip " + (age >= 0 && age < 86400 ? "fresh" : "stale"),
      title: "feed " + m[1] }, m[1] + ": " + (age < 0 ? "never current" : ago(age) + " ago")));
  }
}

function renderCards() {
  const o = state.overview, imgs = state.images;
  const c = $("#cards");
  c.textContent = "";
  const card = (k, v, cls) => c.append(el("div", { class: "card " + (cls || "") },
    el("div", { class: "v" }, v), el("div", { class: "k" }, k)));
  card("images listed", imgs.length);
  card("denied", imgs.filter((i) => i.verdict === "deny").length, "bad");
  card("allowed", imgs.filter((i) => i.verdict === "allow").length, "good");
  card("with secrets", imgs.filter((i) => (i.summary || {}).secrets > 0).length,
    imgs.some((i) => (i.summary || {}).secrets > 0) ? "bad" : "");
  if (o) {
    card("pulls denied", o.stats.pulls_denied, o.stats.pulls_denied ? "bad" : "");
    card("pulls allowed", o.stats.pulls_allowed, "good");
    const exc = o.policy.exceptions;
    card("exceptions active", exc.filter((e) => e.state === "active").length);
    const bad = exc.filter((e) => e.state === "expired" || e.unused).length;
    card("expired or unused", bad, bad ? "bad" : "");
    card("break-glass active", o.breakglass.filter((g) => g && g.state === "active").length,
      o.breakglass.some((g) => g && g.state === "active") ? "bad" : "");
  }
}

function renderPolicy() {
  const o = state.overview;
  const fill = (sel, rows) => {
    const tb = $(sel + " tbody");
    tb.textContent = "";
    if (!rows.length) tb.append(el("tr", {}, el("td", { class: "empty", colspan: 12 }, "none")));
    for (const r of rows) tb.append(r);
  };
  if (!o) { for (const s of ["#rules", "#exceptions", "#vex", "#grants"]) fill(s, []); return; }
  fill("#rules", o.policy.rules.map((r) => el("tr", {},
    el("td", { class: "mono" }, r.match), el("td", {}, r.severity), el("td", {}, r.unknown_severity),
    el("td", {}, r.fixable_only ? "yes" : "no"), el("td", {}, r.secrets ? "block" : "report"),
    el("td", {}, r.misconfig.join(", ") || "none"), el("td", {}, r.unknown_images),
    el("td", {}, r.incomplete_scan), el("td", {}, r.eol), el("td", {}, r.enforce_push ? "on" : "off"),
    el("td", {}, r.require_signature ? "required" : "no"))));
  fill("#exceptions", o.policy.exceptions.map((e) => {
    const scope = [e.repository && "repo " + e.repository, e.digest && "image " + shortDigest(e.digest),
      e.package && "package " + e.package + (e.versions ? " " + e.versions : ""),
      e.path && "path " + e.path].filter(Boolean).join("; ") || "everywhere";
    const st = e.state === "expired" ? "expired" : e.unused ? "unused" : "active";
    return el("tr", { "data-number": e.number, "data-state": st },
      el("td", {}, e.number), el("td", { class: "mono" }, e.id || "(any advisory)"), el("td", {}, scope),
      el("td", {}, e.owner || "\u2014"), el("td", {}, e.reason), el("td", {}, e.created || "\u2014"),
      el("td", {}, e.expires || "never"),
      el("td", { class: st === "active" ? "" : "warn" }, st),
      el("td", { class: "num" }, e.images === null || e.images === undefined ? "\u2014" : e.images));
  }));
  fill("#vex", o.policy.vex.map((v) => el("tr", {},
    el("td", { class: "mono" }, v.vulnerability), el("td", {}, v.status),
    el("td", {}, v.justification || v.impact || "\u2014"),
    el("td", { class: "mono" }, v.products.map((p) => p.product + (p.subcomponent ? " \u203a " + p.subcomponent : "")).join("\n")),
    el("td", { class: "mono" }, v.statement))));
  fill("#grants", o.breakglass.filter(Boolean).map((g) => el("tr", {},
    el("td", { class: "mono" }, shortDigest(g.digest)), el("td", {}, g.repository), el("td", {}, g.by),
    el("td", {}, g.reason), el("td", {}, when(g.expires)),
    el("td", { class: g.state === "active" ? "warn" : "" }, g.state + (g.revoked_by ? " by " + g.revoked_by : "")))));
}

/* ---- images: query, sort, filter, detail ---- */

function sortValue(img, key) {
  const s = img.summary || {};
  switch (key) {
    case "verdict": return { deny: 2, pending: 1, allow: 0 }[img.verdict] ?? -1;
    case "age": return img.scanned_at || 0;
    case "critical": case "high": case "medium": case "low": case "unknown": case "secrets": case "unscanned":
      return s[key] || 0;
    default: return (img[key] || "").toLowerCase();
  }
}

function renderImages() {
  const tb = $("#images tbody");
  const f = $("#filter").value.trim().toLowerCase();
  const { key, dir } = state.sort;
  const rows = state.images.filter((i) => !f || (i.repository + " " + i.digest + " " + i.verdict + " " +
    (i.reasons || "") + " " + (i.os || "")).toLowerCase().includes(f));
  rows.sort((a, b) => {
    const x = sortValue(a, key), y = sortValue(b, key);
    return (x < y ? -1 : x > y ? 1 : 0) * dir || a.repository.localeCompare(b.repository);
  });
  tb.textContent = "";
  const now = Date.now() / 1000;
  for (const i of rows) {
    const s = i.summary || {};
    const n = (k) => el("td", { class: "num" + (s[k] ? "" : " zero") }, s[k] || 0);
    const tr = el("tr", { "data-repo": i.repository, "data-digest": i.digest, "data-verdict": i.verdict,
      class: state.selected === i.repository + "@" + i.digest ? "sel" : "",
      onclick: () => openDetail(i) },
      el("td", {}, i.repository), el("td", { class: "mono", title: i.digest }, shortDigest(i.digest)),
      el("td", { class: "verdict" }, el("span", { class: "badge " + i.verdict, title: i.reasons || "" }, i.verdict)),
      n("critical"), n("high"), n("medium"), n("low"), n("unknown"), n("secrets"), n("unscanned"),
      el("td", {}, i.scanned_at ? ago(now - i.scanned_at) : "\u2014"));
    tb.append(tr);
  }
  if (!rows.length) tb.append(el("tr", {}, el("td", { class: "empty", colspan: 11 },
    state.images.length ? "nothing matches the filter" : "no judged image matches")));
  $("#count").textContent = rows.length + " of " + state.images.length + " shown" + (state.next ? " (more on the server)" : "");
  $("#more").hidden = !state.next;
  for (const th of document.querySelectorAll("#images th")) {
    th.classList.toggle("asc", th.dataset.key === key && dir > 0);
    th.classList.toggle("desc", th.dataset.key === key && dir < 0);
  }
  renderCards();
  renderFindingsChart();
}

function queryString() {
  const p = new URLSearchParams();
  const kind = $("#qkind").value, term = $("#qterm").value.trim();
  if (kind && term) p.set(kind, term);
  if (kind === "package" && $("#qversions").value.trim()) p.set("versions", $("#qversions").value.trim());
  if ($("#qrepo").value.trim()) p.set("repository", $("#qrepo").value.trim());
  if ($("#qverdict").value) p.set("verdict", $("#qverdict").value);
  p.set("limit", "200");
  return p.toString();
}

async function loadImages(more) {
  if (!more) { state.query = queryString(); state.images = []; state.next = null; }
  const q = state.query + (more && state.next ? "&cursor=" + encodeURIComponent(state.next) : "");
  try {
    const r = await getJSON("search?" + q);
    state.images = state.images.concat(r.results);
    state.next = r.next;
  } catch (e) {
    toast("search: " + e.message);
  }
  renderImages();
}

function findingsTable(doc) {
  const vulns = (doc.vulnerabilities || []).slice().sort((a, b) =>
    ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"].indexOf(a.severity) -
    ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"].indexOf(b.severity));
  const t = el("table", { id: "findings", class: "grid" },
    el("thead", {}, el("tr", {}, ["Severity", "Advisory", "Package", "Installed", "Fixed in", "Where"].map((h) => el("th", {}, h)))),
    el("tbody", {}, vulns.map((v) => el("tr", { "data-id": v.id, "data-package": v.package },
      el("td", {}, el("span", { class: "sev " + (v.severity || "UNKNOWN") }, v.severity || "UNKNOWN")),
      el("td", { class: "mono adv", title: v.summary || "" }, v.id, v.aliases ? el("div", { class: "note" }, v.aliases) : null,
        v.exception ? el("div", { class: "note" }, "exception " + v.exception.number + (v.exception.owner ? " by " + v.exception.owner : "") + ": " + (v.exception.reason || "")) : null,
        v.vex ? el("div", { class: "note" }, "VEX " + v.vex.status + (v.vex.justification ? ": " + v.vex.justification : "")) : null),
      el("td", {}, v.package), el("td", { class: "mono" }, v.version),
      el("td", { class: "mono" }, v.fixed || "no fix"),
      el("td", { class: "mono" }, (v.paths || [v.path]).join("\n"))))));
  if (!vulns.length) t.querySelector("tbody").append(el("tr", {}, el("td", { class: "empty", colspan: 6 }, "no known vulnerability")));
  return t;
}

async function openDetail(img) {
  state.selected = img.repository + "@" + img.digest;
  renderImages();
  const d = $("#detail");
  d.hidden = false;
  d.textContent = "";
  d.append(el("h3", {}, img.repository + "@" + shortDigest(img.digest)), el("div", { class: "note" }, "loading\u2026"));
  let st;
  try {
    st = await getJSON("status/" + img.repository + "/" + img.digest);
  } catch (e) {
    d.lastChild.textContent = "status: " + e.message;
    return;
  }
  const a = st.annotations, doc = st.report || {};
  const deny = a["dev.portcullis.policy.result"] === "deny";
  d.textContent = "";
  d.append(...[
    el("h3", { title: img.digest }, img.repository + "@" + img.digest),
    el("div", {}, el("span", { class: "badge " + (deny ? "deny" : "allow") }, deny ? "denied" : "allowed"), " ",
      (doc.os && doc.os.pretty_name) || "", " \u00b7 scanned ", a["dev.portcullis.scanned-at"] || "never",
      " \u00b7 data ", a["dev.portcullis.data-version"] || "none"),
    el("div", { class: "reasons" + (deny ? "" : " ok"), id: "reasons" }, a["dev.portcullis.policy.reasons"] || "nothing blocks it"),
    a["dev.portcullis.policy.exceptions"] ? el("div", { class: "note" }, "exceptions: " + a["dev.portcullis.policy.exceptions"]) : null,
    el("h4", {}, "Vulnerabilities (" + (doc.vulnerabilities || []).length + ")"), findingsTable(doc),
    el("h4", {}, "Secrets (" + (doc.secrets || []).length + ")"),
    el("table", { id: "secrets", class: "grid" }, el("tbody", {}, (doc.secrets || []).map((s) =>
      el("tr", {}, el("td", { class: "mono" }, s.rule), el("td", { class: "mono" }, s.path), el("td", {}, s.detail || ""))))),
    el("h4", {}, "Misconfigurations (" + (doc.misconfigurations || []).length + ")"),
    el("table", { id: "misconfigurations", class: "grid" }, el("tbody", {}, (doc.misconfigurations || []).map((m) =>
      el("tr", {}, el("td", { class: "mono" }, m.rule), el("td", { class: "mono" }, m.path), el("td", {}, m.detail || ""))))),
    el("h4", {}, "Packages (" + (doc.packages || []).length + ")"),
    el("div", { class: "mono note" }, (doc.packages || []).slice(0, 400).map((p) => p.name + " " + p.version).join(", "))
  ].filter(Boolean));
}

/* ---- activity: events and charts ---- */

function barChart(target, buckets, cls, label) {
  const w = 600, h = 160, pad = 22, max = Math.max(1, ...buckets.map((b) => b.v));
  const bw = (w - pad) / buckets.length;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  buckets.forEach((b, i) => {
    const bh = (h - 2 * pad) * b.v / max;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", pad + i * bw + 1);
    r.setAttribute("y", h - pad - bh);
    r.setAttribute("width", Math.max(1, bw - 2));
    r.setAttribute("height", bh);
    r.setAttribute("class", b.cls || cls);
    const t = document.createElementNS(ns, "title");
    t.textContent = b.label + ": " + b.v;
    r.append(t);
    svg.append(r);
    if (b.tick) {
      const tx = document.createElementNS(ns, "text");
      tx.setAttribute("x", pad + i * bw);
      tx.setAttribute("y", h - 6);
      tx.textContent = b.tick;
      svg.append(tx);
    }
  });
  const top = document.createElementNS(ns, "text");
  top.setAttribute("x", 0);
  top.setAttribute("y", 12);
  top.textContent = String(max);
  svg.append(top);
  target.textContent = "";
  target.append(svg);
}

function renderDenialsChart() {
  const now = Math.floor(Date.now() / 3600000);
  const buckets = [];
  for (let i = 23; i >= 0; i--) {
    const hour = now - i;
    const v = state.events.filter((e) => (e.kind === "deny" || e.kind === "push-refused") &&
      Math.floor(e.time / 3600) === hour).length;
    buckets.push({ v, label: new Date(hour * 3600000).toISOString().slice(11, 16) + "Z",
      tick: i % 6 === 0 ? new Date(hour * 3600000).toISOString().slice(11, 13) + "h" : "" });
  }
  barChart($("#chart-denials"), buckets, "bar-d", "denials per hour");
}

function renderFindingsChart() {
  const days = {};
  for (const i of state.images) {
    if (!i.scanned_at) continue;
    const d = new Date(i.scanned_at * 1000).toISOString().slice(0, 10);
    const s = i.summary || {};
    days[d] = (days[d] || 0) + (s.critical || 0) + (s.high || 0);
  }
  const keys = Object.keys(days).sort().slice(-14);
  barChart($("#chart-findings"), keys.map((d) => ({ v: days[d], label: d, tick: d.slice(5) })),
    "bar-h", "critical and high findings by scan day");
}

function renderEvents() {
  const tb = $("#events tbody");
  tb.textContent = "";
  for (const e of state.events) {
    const what = e.kind === "flip" ? e.before + " \u2192 " + e.after + " (" + e.cause + ")" : e.kind;
    tb.append(el("tr", { "data-kind": e.kind },
      el("td", { class: "mono" }, when(e.time)),
      el("td", {}, el("span", { class: "badge " + e.kind }, what)),
      el("td", {}, e.user || "\u2014"),
      el("td", { class: "mono", title: e.digest }, e.repository + (e.digest ? "@" + shortDigest(e.digest) : "")),
      el("td", {}, e.reason)));
  }
  if (!state.events.length) tb.append(el("tr", {}, el("td", { class: "empty", colspan: 5 },
    state.overview ? "nothing refused or flipped since the proxy started" : "operators only")));
  renderDenialsChart();
}

async function loadOperator() {
  try {
    state.overview = await getJSON("overview");
    state.events = (await getJSON("events?limit=500")).events;
  } catch (e) {
    state.overview = null;
    state.events = [];
    if (e.status !== 401 && e.status !== 403) toast("overview: " + e.message);
  }
  renderMeta(state.overview);
  renderPolicy();
  renderEvents();
  renderCards();
}

function init() {
  for (const b of document.querySelectorAll(".tabs button")) {
    b.addEventListener("click", () => {
      for (const x of document.querySelectorAll(".tabs button")) x.classList.toggle("on", x === b);
      for (const t of document.querySelectorAll(".tab")) t.classList.toggle("on", t.id === "tab-" + b.dataset.tab);
    });
  }
  for (const th of document.querySelectorAll("#images th")) {
    th.addEventListener("click", () => {
      const k = th.dataset.key;
      state.sort = { key: k, dir: state.sort.key === k ? -state.sort.dir : (k === "repository" || k === "digest" ? 1 : -1) };
      renderImages();
    });
  }
  $("#query").addEventListener("submit", (ev) => { ev.preventDefault(); loadImages(false); });
  $("#filter").addEventListener("input", renderImages);
  $("#more").addEventListener("click", () => loadImages(true));
  $("#refresh").addEventListener("click", () => { loadImages(false); loadOperator(); });
  loadImages(false).then(() => { document.body.dataset.loaded = "images"; });
  loadOperator().then(() => { document.body.dataset.operator = state.overview ? "yes" : "no"; });
}
document.addEventListener("DOMContentLoaded", init);
