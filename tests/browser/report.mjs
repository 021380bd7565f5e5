// report.mjs - the team lead's page (/report) of the caseworker inbox in headless Chromium.
//
// Run by tests/integration/test_report.c over a population where one cell
// (HIDDEN_RULE_LABEL, HIDDEN_MONTH) has 3 clients; by hand:
//   INBOX_URL=http://127.0.0.1:PORT/login LEAD=.. LEAD_PASS=.. LEAD_SV=.. LEAD_SV_PASS=.. \
//   WORKER=.. WORKER_PASS=.. node tests/browser/report.mjs
//
// Steps: LEAD (Finnish) logs in, follows the header's link to the report: the page has
// inline SVG charts (bars, no script), the 3-client cell shows "<5" and so does a
// complement in its row and in its column; every hidden cell reads exactly "<5"; the
// area's total (GRAND_TOTAL) is shown; no client key (CLIENT_KEY_PREFIX or ck_<hex>) and
// no hetu anywhere in the HTML; no English and no raw code on the page; a bad month is
// 400. LEAD_SV reads it in Swedish. WORKER (no team-lead role) has no link and gets 403.
// Screenshots report.png, report-sv.png. Prints {"ok":true} and exits 0, or
// {"ok":false,"error":..} and 1. Uses Debian's /usr/bin/chromium (CHROMIUM to override).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (k, d) => {
    const v = process.env[k] ?? d;
    if (v === undefined) throw new Error(`${k} is not set`);
    return v;
};
const loginUrl = env('INBOX_URL');
const base = new URL(loginUrl).origin;
const shots = env('SCREENSHOT_DIR', 'build/test-artifacts');
const timeout = Number(env('STEP_TIMEOUT_MS', '15000'));

function check(cond, what) {
    if (!cond) throw new Error(what);
}

async function login(browser, user, pass) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fi-FI' });
    ctx.setDefaultTimeout(timeout);
    const page = await ctx.newPage();
    const r = await page.goto(loginUrl);
    check(r.status() === 200, `login page answered ${r.status()}`);
    await page.getByLabel('Käyttäjätunnus').fill(user);
    await page.getByLabel('Salasana').fill(pass);
    await Promise.all([page.waitForURL(`${base}/inbox`), page.getByRole('button', { name: 'Kirjaudu' }).click()]);
    return { ctx, page };
}

// The cells of the gaps table's row `label` by column heading (one area in the population).
async function gapRow(page, label) {
    const table = page.locator('#kind-0 table').first();
    const heads = await table.locator('thead th').allInnerTexts();
    const row = table.locator('tbody tr', { has: page.locator('th', { hasText: label }) }).first();
    const cells = await row.locator('td').allInnerTexts();
    const out = {};
    heads.slice(1).forEach((h, i) => { out[h.trim()] = (cells[i] || '').trim(); });
    return out;
}

async function noPersonalData(page, where) {
    const html = await page.content();
    check(!html.includes(env('CLIENT_KEY_PREFIX')), `a client key on ${where}`);
    check(!/ck_[0-9a-f]{8}/.test(html), `a client_key on ${where}`);
    check(!/\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/.test(html), `a hetu on ${where}`);
}

async function readable(page, where, lang) {
    const text = await page.locator('body').innerText();
    for (const w of [' the ', ' of ', 'clients', 'suppressed', 'team:'])
        check(!text.includes(w), `English or a code "${w.trim()}" on ${where} (${lang})`);
    const snake = text.match(/\b[a-z0-9]+_[a-z0-9_]+\b/);
    check(!snake, `raw code "${snake && snake[0]}" on ${where} (${lang})`);
    check((await page.locator('html').getAttribute('lang')) === lang, `${where} is not lang=${lang}`);
    return text;
}

async function main() {
    mkdirSync(shots, { recursive: true });
    const args = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'];
    if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
    const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args,
    });
    try {
        // 1. The team lead follows the header's link to the report.
        const lead = await login(browser, env('LEAD'), env('LEAD_PASS'));
        const link = lead.page.locator('header a[href="/report"]');
        check(await link.count() === 1, 'no link to the report for a team lead');
        await Promise.all([lead.page.waitForURL(`${base}/report`), link.click()]);
        const p = lead.page;
        await p.locator('h1', { hasText: 'Raportti päättäjille' }).waitFor();
        // The link shows the last 12 months; the population's months, whatever today is.
        const shown = await p.goto(`${base}/report?since=${env('SINCE')}`);
        check(shown.status() === 200, `the report answered ${shown.status()}`);

        // 2. Charts: inline SVG drawn by the server, with bars; no script on the page.
        check(await p.locator('svg.chart').count() >= 2, 'no SVG charts (gaps and caseload)');
        check(await p.locator('#kind-0 svg.chart rect').count() >= 2, 'the gaps chart has no bars');
        check(await p.locator('#caseload svg.chart line.guideline').count() === 1,
            'the caseload chart has no guideline');
        check(await p.locator('script').count() === 0, 'a script on the report');

        // 3. The 3-client cell is hidden, and a complement in its row and in its column.
        const month = env('HIDDEN_MONTH'), other = env('OTHER_MONTH');
        const small = await gapRow(p, env('HIDDEN_RULE_LABEL'));
        check(small[month] === '<5', `the 3-client cell shows "${small[month]}"`);
        check([small[other], small['Yhteensä']].includes('<5'), 'no complement in its row');
        const big = await gapRow(p, env('OTHER_RULE_LABEL'));
        const total = await gapRow(p, 'Yhteensä');
        check([big[month], total[month]].includes('<5'), 'no complement in its column');
        const grand = (total['Yhteensä'] || '').split(' ')[0]; // "33 (2 pv)": clients (median days)
        check(grand === env('GRAND_TOTAL'), `the area's total is "${total['Yhteensä']}"`);
        for (const c of await p.locator('td.hidden').allInnerTexts())
            check(c.trim() === '<5', `a hidden cell reads "${c}"`);
        for (const t of await p.locator('svg rect.hidden title').allTextContents())
            check(t.endsWith('<5'), `a hidden bar's title is "${t}"`);
        await noPersonalData(p, 'the report');
        await readable(p, 'the report', 'fi');
        await p.screenshot({ path: join(shots, 'report.png'), fullPage: true });

        // 4. A month that is not one: 400, in Finnish.
        const bad = await p.goto(`${base}/report?since=2026-13`);
        check(bad.status() === 400, `a bad month answered ${bad.status()}`);

        // 5. The Swedish-speaking team lead reads the same report in Swedish.
        const sv = await login(browser, env('LEAD_SV'), env('LEAD_SV_PASS'));
        const r = await sv.page.goto(`${base}/report?since=${env('SINCE')}`);
        check(r.status() === 200, `the report (sv) answered ${r.status()}`);
        const svText = await readable(sv.page, 'the report', 'sv');
        check(svText.includes('Rapport för beslutsfattare') && svText.includes('Upptäckta luckor per regel'),
            'the report (sv) is not in Swedish');
        check(!/Raportti päättäjille|Havaitut aukot/.test(svText), 'Finnish on the report (sv)');
        await noPersonalData(sv.page, 'the report (sv)');
        await sv.page.screenshot({ path: join(shots, 'report-sv.png'), fullPage: true });

        // 6. A caseworker without the role: no link, 403.
        const w = await login(browser, env('WORKER'), env('WORKER_PASS'));
        check(await w.page.locator('header a[href="/report"]').count() === 0,
            'a caseworker sees the link to the report');
        const denied = await w.page.goto(`${base}/report`);
        check(denied.status() === 403, `a caseworker got ${denied.status()} on /report`);
        check(!(await w.page.locator('svg').count()), 'the 403 page has a chart');

        console.log(JSON.stringify({ ok: true }));
    } finally {
        await browser.close();
    }
}

main().catch((e) => {
    console.log(JSON.stringify({ ok: false, error: String(e && e.message ? e.message : e) }));
    process.exitCode = 1; // not process.exit(): it would cut the line short on a pipe
});
