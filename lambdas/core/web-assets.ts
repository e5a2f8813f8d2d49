/**
 * The web UI's one stylesheet and one script, inlined in every page and allowed by their
 * hashes in the Content-Security-Policy (web-routes.ts): no other style or script can run,
 * whatever a description carries, and a page needs no second request.
 *
 * The script only adds the copy button of the install line; without it (scripts off) the
 * button stays hidden and the line is selected whole by one click (`user-select: all`).
 */

export const WEB_STYLE = `:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--box:#f6f8fa;--accent:#0b5cad;--warn-bg:#fff8c5;--warn-fg:#4d2d00}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--box:#151b23;--accent:#5aa9ff;--warn-bg:#3b2e00;--warn-fg:#f2cc60}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
header,main,footer{max-width:64rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding-top:.75rem;padding-bottom:.75rem;border-bottom:1px solid var(--line)}
header .home{font-weight:700;font-size:1.25rem;text-decoration:none;color:var(--fg)}
header form.search{flex:1 1 14rem;display:flex}
header .who{display:flex;gap:.5rem;align-items:center;font-size:.9rem;color:var(--muted)}
input,button{font:inherit;color:inherit}
input[type=search],input[type=password]{flex:1;min-width:0;padding:.4rem .6rem;border:1px solid var(--line);border-radius:6px;background:var(--box)}
button{padding:.4rem .8rem;border:1px solid var(--line);border-radius:6px;background:var(--box);cursor:pointer}
.inline{display:inline}
footer{margin-top:3rem;padding-top:1rem;padding-bottom:2rem;border-top:1px solid var(--line);color:var(--muted);font-size:.9rem}
h1{font-size:1.75rem;margin:1.25rem 0 .25rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;margin:1.75rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
.summary{font-size:1.1rem;color:var(--muted);margin:0 0 1rem}
.muted{color:var(--muted)}
.install{display:flex;gap:.5rem;align-items:center;margin:1rem 0;flex-wrap:wrap}
.install code{user-select:all;-webkit-user-select:all;padding:.5rem .75rem;border:1px solid var(--line);border-radius:6px;background:var(--box);overflow-wrap:anywhere}
.banner{padding:.75rem 1rem;border-radius:6px;background:var(--warn-bg);color:var(--warn-fg);margin:1rem 0}
.error{padding:.75rem 1rem;border-radius:6px;border:1px solid #cf222e;margin:1rem 0}
.layout{display:grid;gap:0 2rem;grid-template-columns:minmax(0,1fr)}
@media (min-width:52rem){.layout{grid-template-columns:minmax(0,1fr) 18rem}.layout aside{grid-column:2;grid-row:1/span 9}}
aside h2{font-size:1rem}
aside ul{list-style:none;padding:0;margin:0}
aside li{margin:.2rem 0;overflow-wrap:anywhere}
dl.meta dt{font-weight:600;margin-top:.4rem}
dl.meta dd{margin:0;overflow-wrap:anywhere}
ul.list{list-style:none;padding:0;margin:0}
ul.list li{padding:.6rem 0;border-bottom:1px solid var(--line)}
ul.list .name{font-weight:600}
.yanked{display:inline-block;font-size:.8rem;font-weight:600;padding:0 .4rem;border-radius:4px;background:var(--warn-bg);color:var(--warn-fg)}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td.sha{font:.8rem/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere;min-width:12rem}
.description{overflow-wrap:anywhere}
.description img{max-width:100%;height:auto}
.description pre,pre.description-text{overflow-x:auto;padding:.75rem;background:var(--box);border-radius:6px;white-space:pre-wrap}
.description table{width:auto}
.note{font-size:.9rem;color:var(--muted)}
.pager{display:flex;gap:1rem;margin:1rem 0}
.big-search{display:flex;gap:.5rem;margin:1.5rem 0}
form.signin{display:flex;flex-direction:column;gap:.75rem;max-width:32rem}
form.signin label{font-weight:600}
`;

/** Shows the copy buttons (hidden in the HTML, so that without a script none is dead). */
export const WEB_SCRIPT = `for(const b of document.querySelectorAll('button[data-copy]')){const t=document.getElementById(b.dataset.copy);if(!t)continue;b.hidden=false;b.addEventListener('click',async()=>{try{await navigator.clipboard.writeText(t.textContent);b.textContent='Copied'}catch{const r=document.createRange();r.selectNodeContents(t);const s=getSelection();s.removeAllRanges();s.addRange(r);b.textContent='Selected: press Ctrl+C'}setTimeout(()=>{b.textContent='Copy'},2000)})}`;
