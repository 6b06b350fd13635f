// The report and analytics pages share the console's language choice (localStorage
// "anju.lang"): a page opened without ?lang follows it; a page asked for by ?lang (its
// 中文/English link) sets it, so the console follows back. No other script runs on these pages.
(() => {
  const asked = new URLSearchParams(location.search).get("lang");
  const chosen = localStorage.getItem("anju.lang");
  const page = document.documentElement.lang === "en" ? "en" : "zh";
  if (!asked && chosen === "en" && page !== "en") {
    const url = new URL(location.href);
    url.searchParams.set("lang", "en");
    location.replace(url.toString());
    return;
  }
  if (asked) localStorage.setItem("anju.lang", page);
})();
