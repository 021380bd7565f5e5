// client.mjs - drive the client's own page (silta-casestore, SILTA_CLIENT_URL) in headless Chromium.
//
// Run by tests/integration/test_client_view.c; by hand:
//   INBOX_URL=http://127.0.0.1:PORT/login CLIENT_URL=http://127.0.0.1:PORT2/ USER1=.. PASS1=.. \
//   CK_A=ck_.. CK_B=ck_.. SCREENSHOT_DIR=build/test-artifacts node tests/browser/client.mjs
//
// Steps: USER1 (a caseworker) opens client A's page in the inbox and issues a sign-in code
// (shown once), then one for client B. Client A signs in with the code: the page has the
// security headers and its own cookie (not the inbox's), shows the plan (who answers for
// what, by when), the disclosure list (social work received the work-incapacity data on
// A's consent) and the consents; A withdraws the work-incapacity consent (the page says
// so and shows it withdrawn), switches to Swedish (screenshots own*.png). The same code
// again and a wrong code are refused. Client B signs in and sees no disclosure of A's.
// Prints {"ok":true} and exits 0, or {"ok":false,"error":..} and 1.
// Uses Debian's /usr/bin/chromium (CHROMIUM to override); never downloads a browser.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (k, d) => {
    const v = process.env[k] ?? d;
    if (v === undefined) throw new Error(`${k} is not set`);
    return v;
};
const inboxUrl = env('INBOX_URL');
const inbox = new URL(inboxUrl).origin;
const clientUrl = env('CLIENT_URL');
const client = new URL(clientUrl).origin;
const shots = env('SCREENSHOT_DIR', 'build/test-artifacts');
const timeout = Number(env('STEP_TIMEOUT_MS', '15000'));

function check(cond, what) {
    if (!cond) throw new Error(what);
}

async function context(browser) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fi-FI' });
    ctx.setDefaultTimeout(timeout);
    return ctx;
}

// The caseworker issues a code for ck on the client page of the inbox: shown once.
async function issueCode(page, ck) {
    await page.goto(`${inbox}/client/${ck}`);
    await Promise.all([page.waitForURL(`${inbox}/client/${ck}/client_code`),
        page.getByRole('button', { name: 'Anna asiakkaalle kirjautumiskoodi' }).click()]);
    const code = (await page.locator('#client-code').textContent()).trim();
    check(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/.test(code), `not a code: ${code}`);
    check((await page.locator('#client-url').textContent()).trim() === clientUrl,
        'the code page does not name the client page');
    return code;
}

// Sign in with code in a fresh context; returns { ctx, page, status }.
async function signIn(browser, code) {
    const ctx = await context(browser);
    const page = await ctx.newPage();
    const r = await page.goto(clientUrl);
    check(r.status() === 200, `sign-in page answered ${r.status()}`);
    await page.getByLabel('Kirjautumiskoodi').fill(code);
    const [resp] = await Promise.all([
        page.waitForResponse((x) => x.url().endsWith('/signin')),
        page.getByRole('button', { name: 'Kirjaudu' }).click()]);
    await page.waitForLoadState();
    return { ctx, page, status: resp.status() };
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
        // 1. The caseworker issues codes for A and B.
        const cw = await context(browser);
        const cwPage = await cw.newPage();
        await cwPage.goto(inboxUrl);
        await cwPage.getByLabel('Käyttäjätunnus').fill(env('USER1'));
        await cwPage.getByLabel('Salasana').fill(env('PASS1'));
        await Promise.all([cwPage.waitForURL(`${inbox}/inbox`),
            cwPage.getByRole('button', { name: 'Kirjaudu' }).click()]);
        const codeA = await issueCode(cwPage, env('CK_A'));
        await cwPage.screenshot({ path: join(shots, 'own-code.png'), fullPage: true });
        const codeB = await issueCode(cwPage, env('CK_B'));
        check(codeA !== codeB, 'two clients got the same code');

        // 2. Client A signs in: own cookie, the inbox's headers.
        const a = await signIn(browser, codeA);
        check(a.status === 303, `sign-in with a fresh code answered ${a.status}`);
        check(a.page.url() === `${client}/`, `after sign-in at ${a.page.url()}`);
        const cookies = (await a.ctx.cookies()).map((c) => c.name);
        check(cookies.includes('silta_client') && !cookies.includes('silta_session'),
            `the client's cookies: ${cookies}`);
        const head = await (await a.page.request.get(`${client}/`)).headers();
        check((head['content-security-policy'] || '').includes("default-src 'none'") &&
            head['x-frame-options'] === 'DENY' && head['cache-control'] === 'no-store' &&
            head['referrer-policy'] === 'no-referrer', `headers of the own page: ${JSON.stringify(head)}`);

        // 3a. The client plan (SHL 39 §): the omatyöntekijä, the goal in the client's own
        // words with its scores by day (start −2, review +1), and the agreed action.
        const cplan = await a.page.locator('#client-plan').innerText();
        check(/Omatyöntekijäsi/.test(cplan) && /Liisa Laine/.test(cplan),
              `no omatyöntekijä on the own page: ${cplan}`);
        check(/Haluan oman asunnon/.test(cplan), `no goal on the own page: ${cplan}`);
        check(/−2[\s\S]*\+1/.test(cplan), `the goal's scores over time are missing: ${cplan}`);
        check(/Vuokravakuuden päätös/.test(cplan) && /Kela/.test(cplan),
              `no agreed action on the own page: ${cplan}`);
        const own = await a.page.locator('body').innerText();
        check(!/\b(kela|employment|health|social|casestore)\b/.test(own),
              `a raw agency code on the own page: ${own}`);
        // 3. The plan: items with who answers and by when.
        const plan = a.page.locator('#plan tbody tr');
        check(await plan.count() >= 1, 'no plan items on the own page');
        const planText = await a.page.locator('#plan').innerText();
        check(/Sosiaalityö/.test(planText), `the plan names no responsible: ${planText}`);
        check(/\d{1,2}\.\d{1,2}\.\d{4}/.test(planText), `the plan has no dates: ${planText}`);
        // 4. Who received the data, when, on what basis.
        const disc = await a.page.locator('#disclosures').innerText();
        check(/Työkyvyttömyys/.test(disc) && /Suostumuksesi: Tieto työkyvyttömyydestä sosiaalityölle/.test(disc),
            `the incapacity disclosure on consent is missing: ${disc}`);
        check(/Laki: /.test(disc), `no statute-based disclosure (the Kela notice): ${disc}`);
        const body = await a.page.locator('body').innerText();
        check(!/ck_[0-9a-f]/.test(body) && !/consent:|work-incapacity|_/.test(body),
            'a code or a client_key on the own page');
        await a.page.screenshot({ path: join(shots, 'own.png'), fullPage: true });

        // 5. Withdraw the work-incapacity consent.
        const row = a.page.locator('#consent-work-incapacity');
        check((await row.locator('td.state').innerText()).trim() === 'Annettu', 'the consent is not shown given');
        await Promise.all([a.page.waitForURL(`${client}/?ok=peruttu`),
            row.getByRole('button', { name: 'Peru suostumus' }).click()]);
        check(/Suostumus peruttu/.test(await a.page.locator('.flash').innerText()), 'no flash after withdrawing');
        check((await a.page.locator('#consent-work-incapacity td.state').innerText()).trim() === 'Ei annettu',
            'the consent is still shown given');
        await a.page.screenshot({ path: join(shots, 'own-withdrawn.png'), fullPage: true });
        // A forged withdrawal without the CSRF token is refused.
        const forged = await a.page.request.post(`${client}/consent`,
            { form: { purpose: 'coordinated-plan', do: 'give' }, maxRedirects: 0 });
        check(forged.status() === 403, `a POST without the CSRF token answered ${forged.status()}`);

        // 6. In Swedish.
        await Promise.all([a.page.waitForURL(`${client}/`),
            a.page.getByRole('button', { name: 'På svenska' }).click()]);
        check((await a.page.locator('html').getAttribute('lang')) === 'sv', 'not lang=sv');
        const sv = await a.page.locator('body').innerText();
        check(/Mina uppgifter/.test(sv) && /Din klientplan/.test(sv) && /Din plan/.test(sv) && /Vem har fått dina uppgifter/.test(sv),
            'the own page is not in Swedish');
        check(!/Suunnitelmasi|Omat tietoni|Kirjaudu ulos|Ei annettu|Anna suostumus|Kuka vastaa|Omatyöntekijäsi|Sovitut toimet/.test(sv), 'Finnish on the Swedish page');
        await a.page.screenshot({ path: join(shots, 'own-sv.png'), fullPage: true });

        // 7. The code used again, and a wrong one: refused.
        const again = await signIn(browser, codeA);
        check(again.status === 401, `a used code answered ${again.status}`);
        check(/väärä, jo käytetty tai vanhentunut/.test(await again.page.locator('.err').innerText()),
            'no reason shown for a used code');
        await again.ctx.close();
        const wrong = await signIn(browser, 'ZZZZ-ZZZZ-ZZZZ');
        check(wrong.status === 401, `a wrong code answered ${wrong.status}`);
        await wrong.ctx.close();

        // 8. Client B sees their own page, nothing of A's.
        const b = await signIn(browser, codeB);
        check(b.status === 303, `B's sign-in answered ${b.status}`);
        const bText = await b.page.locator('body').innerText();
        check(!/Työkyvyttömyys/.test(bText), "B's page shows A's disclosure");
        check((await b.page.locator('#consent-work-incapacity td.state').innerText()).trim() === 'Ei annettu',
            "B's page shows A's consent");
        await b.ctx.close();
        await a.ctx.close();
        await cw.close();
        console.log(JSON.stringify({ ok: true }));
    } finally {
        await browser.close();
    }
}

main().catch((e) => {
    console.log(JSON.stringify({ ok: false, error: String(e && e.stack || e) }));
    process.exit(1);
});
