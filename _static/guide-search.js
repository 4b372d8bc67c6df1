/* The guide's search (see _ext/guide/search.py): the query is cut into words and stemmed as
   the index was (Snowball French: Sphinx's language_data.js gives `Stemmer` and `stopwords`),
   one index file is loaded per word, the pages holding every word are listed, best first, each
   once, with the excerpt the index carries. No page is fetched. */
"use strict";
const GuideSearch = (() => {
  const data = JSON.parse(document.getElementById("guide-search-data").textContent);
  const shardKeys = new Set(data.shards);
  const loaded = new Map();
  const waiting = new Map();
  const stemmer = new Stemmer();
  const WORD = /[\p{L}\p{N}_]+/gu;

  const fold = (term) => term.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]/g, "_");

  /** The index file holding a term: the longest file name its spelling starts with. */
  const keyOf = (term) => {
    const folded = fold(term);
    for (let n = Math.min(folded.length, data.maxKey); n > 0; n--) {
      if (shardKeys.has(folded.slice(0, n))) return folded.slice(0, n);
    }
    return null;
  };

  /** A word as the index spells it (null: a stop word or a single letter). */
  const termOf = (word) => {
    word = word.toLowerCase();
    if (word.length < 2 || stopwords.has(word)) return null;
    if (/^\d+$/.test(word)) return word;
    const stem = stemmer.stemWord(word);   // as the index: « toner » stays « toner », not « ton »
    return stem && !stopwords.has(stem) ? stem : word;
  };

  const load = (key) => new Promise((resolve) => {
    if (loaded.has(key)) return resolve(loaded.get(key));
    if (!waiting.has(key)) {
      waiting.set(key, []);
      const script = document.createElement("script");
      script.src = `${document.documentElement.dataset.content_root || ""}_search/${key}.js`;
      script.onerror = () => add(key, {});
      document.head.appendChild(script);
    }
    waiting.get(key).push(resolve);
  });

  /** Called by each index file. */
  const add = (key, shard) => {
    loaded.set(key, shard);
    (waiting.get(key) || []).forEach((resolve) => resolve(shard));
    waiting.delete(key);
  };

  /** Hits of one term: exact, or else of every indexed word it begins (3 letters or more),
      which live in its file or, when the index was split further, in the files it begins. */
  const hitsOf = async (term) => {
    const key = keyOf(term);
    const shard = key === null ? {} : await load(key);
    if (shard[term]) return shard[term];
    if (term.length < 3) return [];
    const deeper = [...shardKeys].filter((k) => k.length > fold(term).length && k.startsWith(fold(term)));
    const shards = [shard, ...await Promise.all(deeper.slice(0, 4).map(load))];
    return shards.flatMap((sh) => Object.keys(sh).filter((t) => t.startsWith(term)).flatMap((t) => sh[t]));
  };

  /** Pages holding every term: [page, best hit, score], best first. */
  const search = async (terms) => {
    const perTerm = await Promise.all(terms.map(hitsOf));
    let pages = null;
    perTerm.forEach((hits) => {
      const here = new Map();
      hits.forEach((hit) => {
        const [page, , score] = hit;
        const seen = here.get(page);
        if (!seen || seen.score < score) here.set(page, { hit, score });
      });
      if (pages === null) {
        pages = new Map([...here].map(([page, h]) => [page, { hits: [h.hit], score: h.score }]));
      } else {
        for (const page of [...pages.keys()]) {
          if (!here.has(page)) pages.delete(page);
          else {
            const entry = pages.get(page);
            entry.hits.push(here.get(page).hit);
            entry.score += here.get(page).score;
          }
        }
      }
    });
    return [...(pages || new Map())].map(([page, entry]) => {
      // the excerpt that holds the most query words (then the best-scored one)
      const best = entry.hits
        .map((hit) => [hit, termsIn(hit[3], terms)])
        .sort((a, b) => b[1] - a[1] || b[0][2] - a[0][2])[0][0];
      return [page, best, entry.score];
    }).sort((a, b) => b[2] - a[2] || data.pages[a[0]][1].localeCompare(data.pages[b[0]][1], "fr"));
  };

  const matches = (word, terms) => {
    const term = termOf(word);
    return term !== null && terms.some((t) => term === t || (t.length >= 3 && term.startsWith(t)));
  };
  const termsIn = (text, terms) => new Set((text.match(WORD) || []).map(termOf)
    .filter((t) => t !== null && terms.some((q) => t === q || (q.length >= 3 && t.startsWith(q))))).size;

  /** Text with the query's words in <mark>, built as DOM nodes (never as HTML). */
  const highlighted = (text, terms) => {
    const out = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(WORD)) {
      if (!matches(match[0], terms)) continue;
      out.append(text.slice(last, match.index));
      const mark = document.createElement("mark");
      mark.textContent = match[0];
      out.append(mark);
      last = match.index + match[0].length;
    }
    out.append(text.slice(last));
    return out;
  };

  const plural = (n, one, many) => `${n.toLocaleString("fr-FR")} ${n === 1 ? one : many}`;

  const run = async () => {
    const query = (new URLSearchParams(location.search).get("q") || "").trim();
    document.querySelectorAll('input[name="q"]').forEach((input) => { input.value = query; });
    if (!query) return;
    const status = document.getElementById("search-status");
    const list = document.getElementById("search-results");
    const template = document.getElementById("search-result");
    const terms = [...new Set((query.match(WORD) || []).map(termOf).filter((t) => t !== null))];
    document.title = `« ${query} » : résultats de la recherche – ${document.title}`;
    if (!terms.length) {
      status.textContent = `« ${query} » : ces mots sont trop courants pour une recherche ; précisez-la.`;
      return;
    }
    status.textContent = "Recherche en cours…";
    const results = await search(terms);
    list.replaceChildren(...results.map(([page, hit]) => {
      const [url, title, kind] = data.pages[page];
      const item = template.content.firstElementChild.cloneNode(true);
      const link = item.querySelector("a");
      link.href = url + (hit[1] ? `#${hit[1]}` : "");
      link.append(highlighted(title, terms));
      if (hit[4]) link.append(` › ${hit[4]}`);
      item.querySelector(".fr-tag").textContent = kind;
      item.querySelector(".search-result__excerpt").append(highlighted(hit[3], terms));
      return item;
    }));
    status.textContent = results.length
      ? `${plural(results.length, "page trouvée", "pages trouvées")} pour « ${query} ».`
      : `Aucune page ne contient ${terms.length > 1 ? "tous ces mots" : "ce mot"} : « ${query} ». Vérifiez l’orthographe, ou essayez un mot plus général.`;
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
  return { add, search, termOf };
})();
