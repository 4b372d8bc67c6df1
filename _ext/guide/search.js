/* The guide's search page (see search.py), inlined in search.html as a module.
   The query's words go to Pagefind, which finds the pages holding them all (French stems,
   accents and capitals ignored) and ranks them; each page is shown once, landing on the
   section that holds the most query words, with an excerpt where they are marked.
   Pagefind extends a word to every longer word and French stems collide (« toner » and
   « tonnes », « PUE » and « pu »): a page is kept only if each query word is really in it,
   which its fragment (loaded to show it) tells. Costs, from an empty cache: pagefind.js,
   its entry file, metadata and engine, the index chunks of the query's words, then one
   fragment per result shown, PAGE_SIZE at a time (« Afficher plus » loads the next ones). */
const PAGE_SIZE = 4;
// Requests left to a query, once the page (HTML, two stylesheets, two fonts, favicon) and
// Pagefind (pagefind.js, entry, metadata, engine) are loaded: the page budget is 15. The index
// chunks the query needed come first; its first results get what remains.
const QUERY_REQUESTS = 5;
const EXCERPT_WORDS = 30;
const STOP_WORDS = new Set(("ai aie aient aies ait as au aura aurai auraient aurais aurait auras aurez " +
  "auriez aurions aurons auront aux avaient avais avait avec avez aviez avions avons ayant ayez ayons c " +
  "ce ceci cela celà ces cet cette d dans de des du elle en es est et eu eue eues eurent eus eusse " +
  "eussent eusses eussiez eussions eut eux eûmes eût eûtes furent fus fusse fussent fusses fussiez " +
  "fussions fut fûmes fût fûtes ici il ils j je l la le les leur leurs lui m ma mais me mes moi mon même " +
  "n ne nos notre nous on ont ou où par pas pour qu que quel quelle quelles quels qui s sa sans se sera " +
  "serai seraient serais serait seras serez seriez serions serons seront ses soi soient sois soit sommes " +
  "son sont soyez soyons suis sur t ta te tes toi ton tu un une vos votre vous y à étaient étais était " +
  "étant étiez étions été étée étées étés êtes").split(" "));
// Words as a reader types them: letters and digits, joined by hyphens (« 543-172 »,
// « recto-verso ») or apostrophes (« l’écolabel » loses its « l’ »).
const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;
const ELISION = /^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]/iu;
// An article of a code typed « R543-172 », « R. 543-172 » or « L 541-1-1 »: its number is searched.
const ARTICLE = /\b[LRD]\s*\.?\s*(\d+(?:-\d+)+)\b/gu;

const $ = (id) => document.getElementById(id);
const status = $("search-status"), list = $("search-results"), more = $("search-more");
const root = new URL(document.documentElement.dataset.content_root || "./", location.href);

/** Text as Pagefind read it (search.py gives it ' for the French apostrophe) as the page shows it. */
const plain = (text) => (text || "").replace(/\u00ad/g, "").replace(/'/g, "\u2019");
/** A word as words are compared: no elision, lower case, no accents, letters and digits only. */
const fold = (word) => plain(word).replace(ELISION, "").normalize("NFD").toLowerCase()
  .replace(/[^\p{L}\p{N}]/gu, "");
const quoted = (text) => `«\u00a0${text}\u00a0»`;
const count = (n, one, many) => `${n.toLocaleString("fr-FR")}\u00a0${n === 1 ? one : many}`;

/** What to search for: the query's words, without stop words nor single letters. */
function analyse(query) {
  const words = (query.replace(ARTICLE, " $1 ").match(WORD) || []).map((w) => w.replace(ELISION, ""));
  const terms = [...new Set(words.filter((w) => !STOP_WORDS.has(w.toLowerCase()) && (w.length > 1 || /\d/.test(w))))];
  if (!words.length) return { problem: "symbols" };
  if (!terms.length) return { problem: words.every((w) => w.length === 1) ? "letters" : "common", words };
  return { terms, words };
}

/** Short words and acronyms (« PUE », « TCO ») are whole words: Pagefind would also find
    every word they begin. */
const isShort = (term) => /^\p{L}{1,4}$/u.test(term);

/** Does a word of a page stand for a query term? Numbers and short words: the same word (a
    plural for words); other words: the same word give or take an ending of three letters at
    most (« reconditionnés », « imprimante »), which « durable » for « durée » is not. */
function matches(word, term) {
  const t = fold(term);
  return plain(word).split(/[-‐]/).concat(word).some((part) => {
    const w = fold(part);
    if (!w) return false;
    if (/\d/.test(t)) return w === t;
    if (isShort(term)) return w === t || w === `${t}s` || w === `${t}x`;
    const [shorter, longer] = w.length < t.length ? [w, t] : [t, w];
    return longer.startsWith(shorter) && longer.length - shorter.length <= 3 && shorter.length >= 3;
  });
}

async function search(pagefind, terms, words) {
  const ids = async (query) => new Set((await pagefind.search(query)).results.map((r) => r.id));
  let results = (await pagefind.search(terms.join(" "))).results;
  // Pagefind also finds every longer word a query word begins (« acces » → « accessibilité »):
  // the pages where each word is found as itself (its stem, as quoted) come first; short words
  // and acronyms are whole words only. None of this costs a request: the chunks are loaded.
  let strong = null;
  for (const term of terms) {
    const exact = await ids(`"${term}"`);
    if (isShort(term)) results = results.filter((r) => exact.has(r.id));
    strong = strong ? new Set([...strong].filter((id) => exact.has(id))) : exact;
  }
  // then the pages where the words follow each other as typed (« 80 PLUS ») before all others;
  // not when stop words were dropped between them (their chunks would cost requests)
  const phrase = terms.length > 1 && terms.length === words.length ? await ids(`"${terms.join(" ")}"`) : new Set();
  const rank = (r) => (phrase.has(r.id) ? 0 : strong.has(r.id) ? 1 : 2);
  return results.map((r, index) => ({ r, index })).sort((a, b) => rank(a.r) - rank(b.r) || a.index - b.index)
    .map(({ r }) => r);
}

/** Where a page's result lands and what it shows, or null if a query term is not really in
    the page. Sections are Pagefind's titled anchors (search.py gives each section one). */
function place(data, terms) {
  const words = data.content.split(/\s+/);
  const hits = [];
  for (const at of data.locations) {
    const term = terms.findIndex((t) => matches(words[at] || "", t));
    if (term >= 0) hits.push({ at, term });
  }
  if (terms.some((_, i) => !hits.some((h) => h.term === i))) return null;
  const sections = [{ location: 0, title: data.meta.title, id: "" },
    ...data.anchors.filter((a) => a.title && a.location > 0).sort((a, b) => a.location - b.location)];
  const sectionOf = (at) => sections.filter((s) => s.location <= at).pop();
  // a hit followed by the next query word, as typed (« clause sociale », « 80 PLUS »)
  const termAt = new Map(hits.map((h) => [h.at, h.term]));
  const inPhrase = (h) => termAt.get(h.at + 1) === h.term + 1;
  const score = new Map();
  for (const hit of hits) {
    const section = sectionOf(hit.at);
    const entry = score.get(section) || { section, terms: new Set(), phrases: 0, count: 0 };
    entry.terms.add(hit.term);
    entry.phrases += inPhrase(hit) ? 1 : 0;
    entry.count += 1;
    score.set(section, entry);
  }
  const inTitle = (s) => terms.filter((t) => s.id && plain(s.title).split(/\s+/).some((w) => matches(w, t))).length;
  const best = [...score.values()].sort((a, b) => b.terms.size - a.terms.size || b.phrases - a.phrases
    || inTitle(b.section) - inTitle(a.section) || b.count - a.count || a.section.location - b.section.location)[0];
  const start = best.section.location;
  const next = sections.find((s) => s.location > start);
  const end = next ? next.location : words.length;
  // the excerpt: the first window of the section with the most query words, as typed if any
  const inside = hits.filter((h) => h.at >= start && h.at < end);
  let window = null;
  for (const first of inside) {
    const from = Math.max(start, Math.min(first.at - 6, end - EXCERPT_WORDS));
    const seen = inside.filter((h) => h.at >= from && h.at < from + EXCERPT_WORDS);
    const value = [new Set(seen.map((h) => h.term)).size, seen.some(inPhrase) ? 1 : 0];
    if (!window || value[0] > window.value[0] || (value[0] === window.value[0] && value[1] > window.value[1])) {
      window = { from, value };
    }
  }
  const to = Math.min(end, window.from + EXCERPT_WORDS);
  const marked = new Set(inside.map((h) => h.at));
  const excerpt = document.createDocumentFragment();
  if (window.from > start) excerpt.append("… ");
  for (let at = window.from; at < to; at += 1) {
    if (at > window.from) excerpt.append(" ");
    if (marked.has(at)) {      // the word marked, not the punctuation around it
      const [, before, word, after] = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u.exec(plain(words[at]));
      const mark = document.createElement("mark");
      mark.textContent = word;
      excerpt.append(before, mark, after);
    } else {
      excerpt.append(plain(words[at]));
    }
  }
  if (to < end) excerpt.append(" …");
  return { url: data.url + (best.section.id ? `#${best.section.id}` : ""),
           section: best.section.id ? plain(best.section.title) : "", excerpt };
}

function render(data, terms) {
  const where = place(data, terms);
  if (!where) return null;
  const item = $("search-result").content.firstElementChild.cloneNode(true);
  const link = item.querySelector("a");
  link.href = new URL(where.url, location.href).href;   // Pagefind's address: with the site's path
  link.textContent = plain(data.meta.title);
  item.querySelector(".fr-tag").textContent = data.meta.genre || "Page";
  const section = item.querySelector(".guide-search-result__section");
  if (where.section) section.textContent = where.section;
  else section.remove();
  item.querySelector(".guide-search-result__excerpt").append(where.excerpt);
  return item;
}

async function run() {
  const params = new URLSearchParams(location.search);
  if (!params.has("q")) return;                        // the page itself: nothing asked yet
  const query = params.get("q").trim();
  $("search-q").value = query;
  if (!query) {
    status.textContent = "Saisissez un ou plusieurs mots à rechercher, par exemple "
      + `${quoted("reconditionné")} ou ${quoted("80 PLUS")}.`;
    return;
  }
  document.title = `${quoted(query)} : résultats de la recherche – ${document.title}`;
  const { terms, problem, words } = analyse(query);
  if (problem === "symbols") {
    status.textContent = `${quoted(query)} ne contient ni lettre ni chiffre : saisissez un mot à rechercher.`;
    return;
  }
  if (problem) {
    status.textContent = problem === "letters"
      ? `${quoted(query)} : une lettre seule ne suffit pas pour chercher ; saisissez au moins un mot.`
      : `${quoted(query)} : ${words.length > 1 ? "ces mots sont trop courants" : "ce mot est trop courant"}`
        + ` pour être ${words.length > 1 ? "cherchés" : "cherché"} ; ajoutez un mot plus précis.`;
    return;
  }
  status.textContent = "Recherche en cours…";
  let pagefind;
  try {
    pagefind = await import(new URL("pagefind/pagefind.js", root).href);
    // Pagefind's ranking favours short pages (pageLength 0.75, BM25's b): a fiche that says
    // « reconditionné » five times came after pages that say it once or twice. At 0.3 length
    // counts less (0.1 would put a fiche's passing « écolabels » before the Écolabel's section).
    await pagefind.options({ noWorker: true, ranking: { pageLength: 0.3 } });
  } catch (error) {
    status.textContent = location.protocol === "file:"
      ? "La recherche ne fonctionne pas sur une copie du site ouverte comme un fichier : servez le "
        + "dossier par un serveur web (make live), ou parcourez le sommaire et le plan du site."
      : "La recherche n’a pas pu démarrer : parcourez le sommaire ou le plan du site.";
    return;
  }
  const results = await search(pagefind, terms, words);
  let shown = 0, next = 0;
  // Pagefind's candidates are checked one by one as they load (every word, not a mere prefix):
  // until all are, the number of pages found is not known, and none is announced.
  const summary = () => {
    if (!shown) {
      return `Aucune page ne contient ${terms.length > 1 ? "tous ces mots" : "ce mot"} : ${quoted(query)}. `
        + "Vérifiez l’orthographe, essayez un mot plus général, ou parcourez le plan du site.";
    }
    if (next >= results.length) return `${count(shown, "page trouvée", "pages trouvées")} pour ${quoted(query)}.`;
    return `${count(shown, "première page trouvée", "premières pages trouvées")} pour ${quoted(query)} ;`
      + " « Afficher plus de résultats » cherche les suivantes.";
  };
  const chunks = performance.getEntriesByType("resource").filter((e) => /\/pagefind\/index\//.test(e.name)).length;
  const showMore = async (size = PAGE_SIZE) => {
    more.hidden = true;
    const items = [];
    let loaded = 0;
    while (next < results.length && (loaded < size || !items.length)) {
      const batch = results.slice(next, next + Math.max(1, size - loaded));
      loaded += batch.length;
      next += batch.length;
      for (const data of await Promise.all(batch.map((r) => r.data()))) {
        const item = render(data, terms);
        if (item) items.push(item);
      }
    }
    list.append(...items);
    shown += items.length;
    more.hidden = next >= results.length;
    status.textContent = summary();
    return items;
  };
  more.addEventListener("click", async () => {
    const items = await showMore(PAGE_SIZE);
    if (items.length) items[0].querySelector("a").focus();
  });
  await showMore(Math.max(1, Math.min(PAGE_SIZE, QUERY_REQUESTS - chunks)));
}

run();
