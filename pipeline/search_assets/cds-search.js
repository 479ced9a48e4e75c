// cds: the site search page (tim-kiem/), on the Pagefind index in <site>/pagefind/.
//
// - The query and the filters live in the address (?q=…&chude=…&nguon=…&nam=…&sap-xep=moi), so
//   a search can be shared, bookmarked and opened from a plain GET form on any page.
// - Vietnamese without diacritics: Pagefind folds tone and vowel marks itself, and the indexer
//   (pipeline/search.py) wrote đ/Đ as ḏ/Ḏ (d/D with line below), which Pagefind folds to d.
//   toIndex() writes the query the same way; fromIndex() turns ḏ/Ḏ back into đ/Đ for display.
// - Excerpts come from Pagefind with <mark> around the matched words and the text escaped; they
//   are rebuilt here as text nodes and <mark> elements (nothing is ever assigned as HTML).
// - One page of results at a time (PAGE): only the fragments of the results shown are loaded.
// - The indexed copy of a long article is its lead, verbatim, then each further word once
//   (pipeline/search.py), after a ⁂ mark. Text past the mark reads choppy, so excerpts of long
//   articles come from the lead only (around Pagefind's match positions); when the words were
//   found only further down, the lead is shown and those words are listed below it.
// - State for tests: #cds-search[data-state] (idle, busy, done, error), [data-results] (count),
//   [data-searches] (searches finished so far).

const PAGE = 10;
const EXCERPT_WORDS = 28;
const TAIL_MARK = "\u2042";   // ⁂: where the indexed copy of an article stops being verbatim
const DEBOUNCE_MS = 350;
const D_LOWER = "\u1e0f";   // ḏ: how the index writes đ
const D_UPPER = "\u1e0e";   // Ḏ: how the index writes Đ
const FILTERS = ["chude", "nguon", "nam"];
const PERIOD = "cdsp";      // the filter each bundle gets at load (mergeFilter): its period, or RECENT
const RECENT = "moi-cap-nhat";
const ALL = "tat-ca";       // ?pham-vi=tat-ca: every period
const UNDATED = "khac";     // the period of pages without a year (the register's documents): always searched
const SORTS = { moi: { date: "desc" }, cu: { date: "asc" } };
const UNAVAILABLE = "Chức năng tìm kiếm chưa sẵn sàng: trang web chưa có chỉ mục tìm kiếm.";

const root = document.getElementById("cds-search");
const form = document.getElementById("cds-search-form");
const input = document.getElementById("cds-q");
const sortSelect = document.getElementById("cds-sort");
const statusEl = document.getElementById("cds-status");
const list = document.getElementById("cds-results");
const more = document.getElementById("cds-more");
const older = document.getElementById("cds-older");
const filterBox = document.getElementById("cds-filters");
const selects = Object.fromEntries(FILTERS.map((f) => [f, root.querySelector(`select[data-filter="${f}"]`)]));

const numberVi = new Intl.NumberFormat("vi-VN");
const BUNDLES = new URL("../../pagefind/", import.meta.url);
const RECENT_URL = new URL("../../pagefind-recent/", import.meta.url);
let index = null;           // the periods (pagefind/cds-periods.json) and the recent bundle
let pf = null;              // one Pagefind instance: the bundles loaded so far, merged
let loading = Promise.resolve();
const loaded = new Set();   // bundles in pf: period keys and RECENT
let stale = new Set();      // ids of period copies replaced by the recent bundle (or gone)
let recentIds = new Set();  // ids of the recent bundle's pages
let recentPeriod = {};      // id of a recent page → its period
let allPeriods = false;     // searching every period (?pham-vi=tat-ca)
let filterOptions = null;   // loaded once, when the reader reaches for a filter (≈ 35 KB at 5,000 articles)
let generation = 0;     // bumped by every search: answers of older searches are dropped
let current = [];       // the results of the last search, in the order shown
let shown = 0;
let merge = null;       // sorted by date with a recent bundle: the two lists still to merge
let timer = 0;

export function toIndex(text) {
  return (text || "").normalize("NFC")
    .replace(/[\u0111\u00f0]/g, D_LOWER)
    .replace(/[\u0110\u00d0]/g, D_UPPER);
}

export function fromIndex(text) {
  return (text || "").replace(/\u1e0f/g, "đ").replace(/\u1e0e/g, "Đ");
}

// Pagefind's excerpt: the page text with "<" and ">" escaped (nothing else) and <mark>…</mark>
// around the matched words → text nodes and <mark> elements.
function excerptNodes(excerpt) {
  const out = document.createDocumentFragment();
  const parts = fromIndex(excerpt || "").split(/(<mark>|<\/mark>)/);
  let marked = false;
  for (const part of parts) {
    if (part === "<mark>") { marked = true; continue; }
    if (part === "</mark>") { marked = false; continue; }
    if (!part) continue;
    const text = document.createTextNode(part.replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
    if (marked) {
      const mark = document.createElement("mark");
      mark.appendChild(text);
      out.appendChild(mark);
    } else {
      out.appendChild(text);
    }
  }
  return out;
}

// Titles, sources and other meta: plain text as the page had it.
function plain(text) {
  return fromIndex(text || "").trim();
}

function dateVi(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : "";
}

function setStatus(text, state) {
  statusEl.textContent = text;
  if (state) root.dataset.state = state;
}

// The index (pipeline/site/search.py) is split by period (the year): one Pagefind bundle per
// period, listed newest first in pagefind/cds-periods.json, and the recent bundle (the pages
// added or changed since their period was built, with the ids of the periods' copies they
// replace or that are gone, and each recent page's period). A query searches the newest periods
// holding at least scope_min pages; a year filter, only its period; "Tìm trong các năm trước"
// (?pham-vi=tat-ca), every period. Bundles are loaded when first needed and merged into one
// Pagefind instance (mergeIndex: they share its WASM), each tagged with its period (filter
// PERIOD), so that a search can keep to the periods it is about.
async function fetchJson(url) {
  try {
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) return null;
    const data = await response.json();
    return data && typeof data === "object" ? data : null;
  } catch (err) {
    return null;
  }
}

async function loadIndex() {
  if (!index) {
    index = (async () => {
      const [periods, recent] = await Promise.all([fetchJson(new URL("cds-periods.json", BUNDLES)),
        fetchJson(new URL("cds-recent.json", RECENT_URL))]);
      if (!periods || !Array.isArray(periods.periods) || !periods.periods.length) throw new Error("no index");
      if (recent) {
        stale = new Set(Array.isArray(recent.stale) ? recent.stale : []);
        recentIds = new Set(Array.isArray(recent.ids) ? recent.ids : []);
        recentPeriod = recent.periods && typeof recent.periods === "object" ? recent.periods : {};
      }
      return { periods: periods.periods, scopeMin: Number(periods.scope_min) || 0,
        recent: Boolean(recent && recent.bundle) };
    })();
  }
  return index;
}

// The periods a search may need, newest first: every period, or those of the year filtered on
// (a large year is split into parts of a few months).
function candidates(idx, state) {
  const year = state.filters.nam;
  return year ? idx.periods.filter((p) => p.key === year || (p.years || []).includes(year)) : idx.periods;
}

// The periods a search is about: the newest candidates holding at least scope_min pages, or all
// of them (?pham-vi=tat-ca).
function scopeOf(idx, state) {
  const all = candidates(idx, state);
  if (state.all) return all.map((p) => p.key);
  const out = [];
  let pages = 0;
  for (const p of all.filter((x) => x.key !== UNDATED)) {
    if (out.length && pages >= idx.scopeMin) break;
    out.push(p.key);
    pages += Number(p.pages) || 0;
  }
  if (all.some((x) => x.key === UNDATED)) out.push(UNDATED);
  return out;
}

function bundleUrl(key) {
  return key === RECENT ? RECENT_URL : new URL(`${encodeURIComponent(key)}/`, BUNDLES);
}

// Loads the bundles of `keys` (and the recent one) not loaded yet; the Pagefind instance. The
// first bundle ever loaded is the instance's own (its pagefind.js and WASM); the others are
// merged into it, all at once.
function loadBundles(idx, keys) {
  const want = idx.periods.filter((p) => p.bundle && keys.includes(p.key)).map((p) => p.key);
  if (idx.recent) want.push(RECENT);
  const next = loading.then(async () => {
    const todo = want.filter((key) => !loaded.has(key));
    if (!todo.length) return;
    if (!pf) {
      const key = todo.shift();
      const url = bundleUrl(key);
      const mod = await import(new URL("pagefind.js", url).href);
      // No worker: one download less on phones, and the searches are small.
      const instance = mod.createInstance({ basePath: url.href, noWorker: true });
      await instance.init();
      await instance.options({ excerptLength: EXCERPT_WORDS, mergeFilter: { [PERIOD]: key } });
      pf = instance;
      loaded.add(key);
    }
    // Merged bundles share the first one's WASM: each costs its entry, page index and chunks.
    await Promise.all(todo.map(async (key) => {
      await pf.mergeIndex(bundleUrl(key).href, { excerptLength: EXCERPT_WORDS, mergeFilter: { [PERIOD]: key } });
      loaded.add(key);
    }));
  });
  loading = next.catch(() => {});     // a failed load does not block the next search's
  return next.then(() => pf);
}

async function loadPagefind() {
  const idx = await loadIndex();
  return loadBundles(idx, scopeOf(idx, readForm()));
}

function loadFilters() {
  if (!filterOptions) {
    filterOptions = fillFilters().catch(() => {});
  }
  return filterOptions;
}

// Every theme, source and year with its count of pages (pagefind/cds-filters.json, written by
// the indexer): not only those of the periods loaded.
async function fillFilters() {
  const all = await fetchJson(new URL("cds-filters.json", BUNDLES));
  if (!all) return;
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const select = selects[name];
    if (!select) continue;
    const values = Object.entries(all[name] || {}).map(([raw, count]) => [fromIndex(raw), count]);
    if (name === "nam") values.sort((a, b) => b[0].localeCompare(a[0]));
    else values.sort((a, b) => a[0].localeCompare(b[0], "vi"));
    const wanted = select.value || params.get(name) || "";
    select.length = 1;                     // keep "Tất cả …"
    for (const [value, count] of values) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = `${value} (${numberVi.format(count)})`;
      select.appendChild(option);
    }
    if (wanted && !values.some(([v]) => v === wanted)) {
      const option = document.createElement("option");
      option.value = wanted;
      option.textContent = wanted;
      select.appendChild(option);
    }
    select.value = wanted || "";
  }
}

function readForm() {
  const filters = {};
  for (const name of FILTERS) {
    if (selects[name].value) filters[name] = selects[name].value;
  }
  return { q: input.value.trim(), filters, sort: sortSelect.value, all: allPeriods };
}

function writeAddress(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const [k, v] of Object.entries(state.filters)) params.set(k, v);
  if (state.sort) params.set("sap-xep", state.sort);
  if (state.all) params.set("pham-vi", ALL);
  const query = params.toString();
  const url = location.pathname + (query ? `?${query}` : "") + location.hash;
  if (url !== location.pathname + location.search + location.hash) history.replaceState(null, "", url);
}

function readAddress() {
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  for (const name of FILTERS) {
    const value = params.get(name) || "";
    if (value && ![...selects[name].options].some((o) => o.value === value)) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      selects[name].appendChild(option);
    }
    selects[name].value = value;
  }
  sortSelect.value = SORTS[params.get("sap-xep")] ? params.get("sap-xep") : "";
  allPeriods = params.get("pham-vi") === ALL;
  if (FILTERS.some((name) => params.get(name)) || sortSelect.value) filterBox.open = true;
}

function describe(state) {
  const parts = [];
  if (state.q) parts.push(`“${state.q}”`);
  const labels = { chude: "chủ đề", nguon: "nguồn", nam: "năm" };
  for (const [k, v] of Object.entries(state.filters)) parts.push(`${labels[k]} ${v}`);
  return parts.join(", ");
}

// Folded as Pagefind compares words: no marks, đ → d, lower case.
function foldWord(text) {
  return strip(text.normalize("NFD").replace(/\p{M}/gu, "").replace(/[\u0111\u00f0]/g, "d")
    .replace(/[\u0110\u00d0]/g, "D").toLowerCase());
}

function queryTerms(q) {
  return (q || "").split(/\s+/).map(foldWord).filter(Boolean);
}

function strip(word) {
  return word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
}

// Words of the content, those at ``marked`` positions in <mark> (or, without positions, those
// matching a query term).
function wordNodes(words, from, to, marked, terms) {
  const out = document.createDocumentFragment();
  for (let i = from; i < to; i++) {
    if (i > from) out.appendChild(document.createTextNode(" "));
    const hit = marked ? marked.has(i) : terms.some((t) => { const k = foldWord(words[i]); return k && k.startsWith(t); });
    if (hit) {
      const mark = document.createElement("mark");
      mark.textContent = words[i];
      out.appendChild(mark);
    } else {
      out.appendChild(document.createTextNode(words[i]));
    }
  }
  return out;
}

// The excerpt under a result. Short articles: Pagefind's. Long ones (a ⁂ in the content): taken
// from the verbatim lead only, around the words found there; when the words were found only
// further down, the start of the lead, and those words listed below it.
function excerptParagraphs(data, terms) {
  const p = document.createElement("p");
  p.className = "cds-result__excerpt";
  const words = fromIndex(data.content || "").trim().split(/\s+/);
  const cut = words.indexOf(TAIL_MARK);
  if (cut < 0) {
    p.appendChild(excerptNodes(data.excerpt));
    return [p];
  }
  const weighted = (data.weighted_locations || [])
    .filter((w) => Number.isInteger(w.location) && w.location >= 0 && w.location < words.length);
  const locations = weighted.map((w) => w.location);
  const inLead = weighted.filter((w) => w.location < cut);
  let from = 0;
  if (inLead.length) {
    // the window of the lead where the matches weigh most (Pagefind's own scores)
    let best = -1;
    for (const { location } of inLead) {
      const start = Math.max(0, Math.min(location - 3, cut - EXCERPT_WORDS));
      const score = inLead.filter((w) => w.location >= start && w.location < start + EXCERPT_WORDS)
        .reduce((sum, w) => sum + (w.balanced_score || 1), 0);
      if (score > best) [best, from] = [score, start];
    }
    if (from > 0) p.appendChild(document.createTextNode("… "));
  } else {                                        // the lead, after the title (the heading above)
    const title = plain(data.meta && data.meta.title);
    const titleWords = title ? title.split(/\s+/).length : 0;
    if (title && titleWords < cut && words.slice(0, titleWords).join(" ").startsWith(title)) from = titleWords;
  }
  const to = Math.min(cut, from + EXCERPT_WORDS);
  p.appendChild(wordNodes(words, from, to, inLead.length ? new Set(inLead.map((w) => w.location)) : null, terms));
  p.appendChild(document.createTextNode(" …"));
  if (inLead.length) return [p];
  const found = [...new Set(locations.map((l) => strip(words[l])).filter(Boolean))];
  if (!found.length) return [p];
  const also = document.createElement("p");
  also.className = "cds-result__found";
  also.appendChild(document.createTextNode("Trong bài có: "));
  found.slice(0, 6).forEach((word, i) => {
    if (i) also.appendChild(document.createTextNode(", "));
    const mark = document.createElement("mark");
    mark.textContent = word;
    also.appendChild(mark);
  });
  return [p, also];
}

function resultItem(data, terms) {
  const li = document.createElement("li");
  li.className = "cds-result";
  const h = document.createElement("h2");
  h.className = "cds-result__title";
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = plain(data.meta && data.meta.title) || data.url;
  h.appendChild(a);
  li.appendChild(h);
  const bits = [];
  const date = dateVi(data.meta && data.meta.date);
  const source = data.filters && data.filters.nguon && data.filters.nguon[0];
  const meta = document.createElement("p");
  meta.className = "cds-result__meta";
  if (date) {
    const time = document.createElement("time");
    time.dateTime = data.meta.date;
    time.textContent = date;
    bits.push(time);
  }
  if (source) bits.push(document.createTextNode(plain(source)));
  bits.forEach((node, i) => {
    if (i) meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(node);
  });
  if (bits.length) li.appendChild(meta);
  for (const p of excerptParagraphs(data, terms)) li.appendChild(p);
  return li;
}

// Sorted by date, Pagefind gives each bundle's results in order but merges the two lists by
// rank, not by date. So the base's and the recent bundle's lists are merged here, by the sort
// key each result carries (meta "ds", from data-pagefind-sort), a page at a time: the fragments
// compared are those shown, plus at most one.
async function sortKey(result) {
  const data = await result.data();
  return (data.meta && (data.meta.ds || data.meta.date)) || "";
}

async function extendMerge(upTo) {
  const m = merge;            // a new search replaces it: this one then stops touching `current`
  if (!m) return;
  const { base, recent, desc } = m;
  const order = current.slice(0, m.done);
  while (order.length < upTo && (m.b < base.length || m.r < recent.length)) {
    let fromRecent;
    if (m.b >= base.length) fromRecent = true;
    else if (m.r >= recent.length) fromRecent = false;
    else {
      const [kb, kr] = await Promise.all([sortKey(base[m.b]), sortKey(recent[m.r])]);
      if (merge !== m) return;
      fromRecent = desc ? kr > kb : kr < kb;
    }
    order.push(fromRecent ? recent[m.r++] : base[m.b++]);
  }
  m.done = order.length;
  current = order.concat(base.slice(m.b), recent.slice(m.r));
}

async function showMore(gen, focusFirst) {
  await extendMerge(shown + PAGE);
  if (gen !== generation) return;
  const slice = current.slice(shown, shown + PAGE);
  const datas = await Promise.all(slice.map((r) => r.data()));
  if (gen !== generation) return;
  const terms = queryTerms(input.value);
  const items = datas.map((data) => resultItem(data, terms));
  items.forEach((li) => list.appendChild(li));
  shown += slice.length;
  more.hidden = shown >= current.length;
  if (focusFirst && items.length) items[0].querySelector("a").focus();
}

// Pagefind ignores a word that is nowhere in the index and searches with the others (it
// prefers some results to none). Say which words were left out, so that "lượng tử" finding
// articles about "điện tử" is not a surprise. Each bundle (a period, the recent one) does this
// on its own: a word only some bundles hold would be left out by the others, which would then
// answer with pages holding the other words only. So, per word, which bundles hold it (the
// counts of the PERIOD filter): a bundle that lacks a word another holds cannot have a page
// with every word, and its results are dropped (as one index built from every page would
// answer). Returns [unknown words, bundles to drop].
async function wordCheck(pf, q, restrict, keep) {
  if (/["']/.test(q)) return [[], new Set()];
  const words = queryWords(q);
  if (words.length < 2) return [[], new Set()];
  const options = restrict ? { filters: { [PERIOD]: { any: restrict } } } : {};
  const answers = await Promise.all(words.map((w) => pf.search(toIndex(w), options).catch(() => null)));
  const unknown = words.filter((w, i) => answers[i] && !(answers[i].results || []).some(keep));
  const drop = new Set();
  if (loaded.size > 1) {
    for (const answer of answers) {
      const counts = answer && answer.filters && answer.filters[PERIOD];
      if (!counts || !(answer.results || []).length) continue;
      for (const key of loaded) if (!counts[key]) drop.add(key);
    }
  }
  return [unknown, drop];
}

// Pagefind matches each query word as a prefix too ("so" finds "song", "sôi"), and a page
// full of such longer words can outscore one that holds the words themselves. So the results
// are put in tiers: pages holding more of the query's words as whole words first (a quoted
// word is matched exactly, diacritics still folded), Pagefind's order kept within a tier.
// Not when the reader sorts by date, or the query is already a phrase.
export function queryWords(q) {
  return [...new Set(q.split(/\s+/).map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "")))]
    .filter((w) => w && /^[\p{L}\p{N}\p{M}]+$/u.test(w));
}

async function wholeWordsFirst(pf, q, results, options) {
  if (!q || /["']/.test(q) || results.length < 2) return results;
  const words = queryWords(q);
  if (!words.length) return results;
  const exact = await Promise.all(words.map((w) =>
    pf.search(`"${toIndex(w)}"`, { filters: options.filters })
      .then((r) => new Set((r.results || []).map((x) => x.id)), () => null)));
  if (exact.some((set) => set === null)) return results;
  const tier = (r) => exact.reduce((n, set) => n + (set.has(r.id) ? 1 : 0), 0);
  return results.map((r, i) => [tier(r), i, r])
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map((x) => x[2]);
}

function finish(text, state) {
  setStatus(text, state);
  root.dataset.searches = String(Number(root.dataset.searches || 0) + 1);
}

// "năm 2025, năm 2024"; "từ năm 2019 đến năm 2025" for more than three periods.
function periodsText(idx, scope) {
  const labels = idx.periods.filter((p) => scope.includes(p.key)).map((p) => p.label || p.key);
  if (labels.length <= 3) return labels.join(", ");
  return `từ ${labels[labels.length - 1]} đến ${labels[0]}`;
}

async function search() {
  clearTimeout(timer);
  const gen = ++generation;
  const state = readForm();
  writeAddress(state);
  const hasFilter = Object.keys(state.filters).length > 0;
  older.hidden = true;
  if (!state.q && !hasFilter) {
    current = [];
    merge = null;
    shown = 0;
    list.replaceChildren();
    more.hidden = true;
    root.dataset.results = "0";
    finish("Nhập từ khóa để tìm bài viết.", "idle");
    return;
  }
  setStatus("Đang tìm…", "busy");
  let idx;
  let pf;
  let scope;
  try {
    idx = await loadIndex();
    scope = scopeOf(idx, state);
    pf = await loadBundles(idx, scope);
  } catch (err) {
    if (gen === generation) finish(UNAVAILABLE, "error");
    return;
  }
  if (gen !== generation) return;
  // the bundles this search is about: its periods' (those built) and the recent one
  const active = [...loaded].filter((k) => k === RECENT || scope.includes(k));
  const restrict = active.length < loaded.size ? active : null;
  const keep = (r) => !stale.has(r.id) && (!recentIds.has(r.id) || scope.includes(recentPeriod[r.id]));
  const filters = {};
  for (const [k, v] of Object.entries(state.filters)) filters[k] = toIndex(v);
  const options = { filters };
  if (SORTS[state.sort]) options.sort = SORTS[state.sort];
  let found = { results: [] };
  let unknown = [];
  let drop = new Set();
  if (pf && active.length) {
    try {
      [unknown, drop] = state.q ? await wordCheck(pf, state.q, restrict, keep) : [[], new Set()];
      const searched = active.filter((k) => !drop.has(k));
      if (searched.length < loaded.size) filters[PERIOD] = { any: searched };
      if (!searched.length) {
        found = { results: [] };
      } else if (searched.length > 1) {
        // Each bundle searched alone (its list is in its own order: by date, or by its own
        // scores); the lists are put together here, period by period, newest first (oldest
        // first when sorted oldest first): Pagefind would merge them by score, and scores of
        // different indexes do not compare. A recent page goes with its period.
        const lists = await Promise.all(searched.map((k) => pf.search(state.q ? toIndex(state.q) : null,
          { ...options, filters: { ...filters, [PERIOD]: k } })));
        const byKey = Object.fromEntries(searched.map((k, i) => [k, (lists[i].results || []).filter(keep)]));
        const recentList = byKey[RECENT] || [];
        const periods = scope.filter((k) => k !== UNDATED && (k in byKey || recentList.some((r) => recentPeriod[r.id] === k)));
        const sortDesc = SORTS[state.sort] ? SORTS[state.sort].date === "desc" : true;
        if (!sortDesc) periods.reverse();
        if (scope.includes(UNDATED)) periods.push(UNDATED);    // no date: last either way
        if (SORTS[state.sort]) {
          const base = periods.flatMap((k) => byKey[k] || []);
          found = { results: base.concat(recentList), base, recent: recentList, desc: sortDesc };
        } else {
          found = { results: periods.flatMap((k) => (byKey[k] || [])
            .concat(recentList.filter((r) => recentPeriod[r.id] === k))
            .sort((x, y) => y.score - x.score)) };
        }
      } else {
        found = await pf.search(state.q ? toIndex(state.q) : null, options);
      }
    } catch (err) {
      if (gen === generation) finish("Có lỗi khi tìm kiếm. Xin thử lại.", "error");
      return;
    }
  }
  if (gen !== generation || !found) return;
  current = (found.results || []).filter(keep);
  merge = null;
  if (found.base && found.recent.length && found.base.length) {
    merge = { base: found.base, recent: found.recent, b: 0, r: 0, done: 0, desc: found.desc };
  }
  if (state.q && !SORTS[state.sort] && pf) {
    try {
      current = await wholeWordsFirst(pf, state.q, current, options);
    } catch (err) {
      // keep Pagefind's order
    }
    if (gen !== generation) return;
  }
  shown = 0;
  list.replaceChildren();
  more.hidden = true;
  const partial = scope.length < candidates(idx, state).length;
  older.hidden = !partial;
  older.textContent = state.filters.nam ? "Tìm trong cả năm" : "Tìm trong các năm trước";
  const what = describe(state) + (partial ? ` trong ${periodsText(idx, scope)}` : "");
  if (!current.length) {
    root.dataset.results = "0";
    finish(`Không tìm thấy kết quả nào cho ${what}. ` + (partial ? "Hãy tìm trong các năm trước, thử từ khóa khác hoặc bỏ bớt bộ lọc."
      : "Hãy thử từ khóa khác hoặc bỏ bớt bộ lọc."), "done");
    return;
  }
  await showMore(gen, false);
  if (gen !== generation) return;
  root.dataset.results = String(current.length);
  let text = `Tìm thấy ${numberVi.format(current.length)} kết quả cho ${what}.`;
  if (unknown.length) {
    text += ` Không bài nào có từ ${unknown.map((w) => `“${w}”`).join(", ")}: kết quả chỉ khớp với các từ còn lại.`;
  }
  finish(text, "done");
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(search, DEBOUNCE_MS);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});
input.addEventListener("input", schedule);
for (const select of [...Object.values(selects), sortSelect]) select.addEventListener("change", search);
more.addEventListener("click", () => showMore(generation, true));
older.addEventListener("click", () => {
  allPeriods = true;
  search();
});
// The filters' options (every theme, source and year, with counts) are fetched when the reader
// opens the box or reaches a control in it, not for every search.
filterBox.querySelector("summary").addEventListener("click", () => loadFilters());
filterBox.addEventListener("focusin", () => loadFilters());
filterBox.addEventListener("pointerdown", () => loadFilters());

readAddress();
root.dataset.state = "loading";
loadPagefind()
  .then(() => search())
  .catch(() => finish(UNAVAILABLE, "error"));
