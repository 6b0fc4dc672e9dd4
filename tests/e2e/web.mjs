// End-to-end test of the staff web interface in a real headless browser (Debian's Chromium, driven by
// playwright-core). Started by crates/yibao-web/tests/e2e.rs with: node web.mjs BASE_URL OUT_JSON SCREENSHOT_DIR
// It signs in as each role, settles a bill at the window, prints and reverses the slip, suspends an institution and
// sees its next settlement refused, confirms a finding and takes a case to a suspension (基金监管), and checks that a clerk cannot reach administrator pages. What the pages showed
// is written to OUT_JSON for the Rust side to compare with the engine.
import { chromium } from "playwright-core";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, outFile, shots] = process.argv.slice(2);
if (!base || !outFile) {
  console.error("usage: node web.mjs BASE_URL OUT_JSON [SCREENSHOT_DIR]");
  process.exit(2);
}
if (shots) mkdirSync(shots, { recursive: true });

const ACCOUNTS = {
  jingban: ["Jingban#2024", "经办"],
  shenhe: ["Shenhe#2024", "审核"],
  jianguan: ["Jianguan#2024", "监管"],
  tongji: ["Tongji#2024", "统计"],
  admin: ["Admin#2024", "管理员"],
  yiyuan1: ["Yiyuan#2024", "定点机构操作员"],
};
const results = [];
const seen = {};

async function check(name, fn) {
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok - ${name}`);
  } catch (e) {
    results.push([name, false]);
    console.log(`not ok - ${name}: ${e && e.message ? e.message.split("\n")[0] : e}`);
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(what);
}

const profile = mkdtempSync(join(tmpdir(), "yibao-e2e-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  viewport: { width: 1366, height: 900 },
  locale: "zh-CN",
});
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(20000);
page.on("dialog", (d) => d.accept());

async function shot(name) {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function signIn(user) {
  await context.clearCookies();
  await page.goto(`${base}/login`);
  await page.fill("input[name=username]", user);
  await page.fill("input[name=password]", ACCOUNTS[user][0]);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/home$/);
}

async function figures() {
  const out = {};
  for (const el of await page.locator("[data-field]").all()) out[await el.getAttribute("data-field")] = (await el.textContent()).trim();
  for (const el of await page.locator("[data-fund]").all()) out[`fund_${await el.getAttribute("data-fund")}`] = (await el.textContent()).trim();
  return out;
}

async function fillBill(inst, lines) {
  await page.goto(`${base}/window`);
  await page.fill("[data-testid=q]", "张建国");
  await page.click("form.search button");
  await page.click("[data-testid=open-person]");
  await page.selectOption("[data-testid=inst]", inst);
  await page.fill("[data-testid=diagnoses]", "J06.9 急性上呼吸道感染");
  await page.fill("[data-testid=lines]", lines);
  await page.click("[data-testid=preview]");
}

await check("每个角色都能登录，并只看到本角色的菜单", async () => {
  for (const [user, [, role]] of Object.entries(ACCOUNTS)) {
    await signIn(user);
    const who = await page.textContent("[data-testid=who]");
    expect(who.includes(role), `${user} 的页眉应显示角色“${role}”，实际为“${who}”`);
    const nav = await page.locator("header nav a").allTextContents();
    expect(nav.includes("用户管理") === (user === "admin"), `${user} 的菜单：${nav.join(",")}`);
    expect(nav.includes("统计分析") === ["jianguan", "tongji", "admin"].includes(user), `${user} 的统计菜单：${nav.join(",")}`);
    if (user === "admin") await shot("home-admin");
  }
});

await check("经办人员不能进入管理员页面（服务器拒绝）", async () => {
  await signIn("jingban");
  for (const path of ["/admin/users", "/admin/audit", "/stats", "/bulletin"]) {
    const r = await page.goto(`${base}${path}`);
    expect(r.status() === 403, `${path} 应为 403，实际 ${r.status()}`);
    expect((await page.textContent("[data-testid=message]")).includes("无权"), `${path} 应提示无权访问`);
  }
});

await check("窗口结算：查找人员、录入费用、预结算显示各项基金与说明", async () => {
  await signIn("jingban");
  await fillBill("H99900100001", "XJ01DDA100B002010101953\t12.5\t4\n001102000010000\t30\t2\n");
  await page.waitForSelector("[data-testid=confirm]");
  seen.preview = await figures();
  const explain = await page.locator("[data-testid=explanation] li").allTextContents();
  expect(explain.length >= 2 && explain[0].includes("医疗费总额"), `说明：${explain.join(" / ")}`);
  seen.explanation = explain;
  expect(seen.preview.medfee_sumamt === "110.00", `医疗费总额 ${seen.preview.medfee_sumamt}`);
  await shot("window-presettlement");
});

await check("确认结算并打印结算单（A4 PDF）", async () => {
  await page.click("[data-testid=confirm]");
  await page.waitForSelector("[data-testid=slip]");
  seen.slip = await figures();
  seen.setl_id = (await page.textContent("[data-testid=setl-id]")).trim();
  seen.slip_url = page.url();
  expect(JSON.stringify(seen.slip) === JSON.stringify(seen.preview), "结算单金额应与预结算一致");
  await shot("settlement-slip");
  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ format: "A4", printBackground: false });
  await page.emulateMedia({ media: "screen" });
  expect(pdf.length > 10000 && pdf.subarray(0, 4).toString() === "%PDF", "PDF 结算单");
  if (shots) writeFileSync(join(shots, "settlement-slip.pdf"), pdf);
});

await check("撤销结算须填写原因，撤销后结算单显示已撤销", async () => {
  await page.fill("[data-testid=reason]", "费用录入错误");
  await page.click("[data-testid=reverse]");
  await page.waitForSelector("[data-testid=slip-state]");
  const state = await page.textContent("[data-testid=slip-state]");
  expect(state.includes("已撤销"), `状态：${state}`);
});

await check("监管暂停机构后，该机构的下一笔结算被拒绝", async () => {
  await signIn("jianguan");
  await page.goto(`${base}/records/institutions`);
  await page.selectOption("[data-testid=suspend-inst]", "H99900100001");
  await page.fill("[data-testid=suspend-reason]", "专项检查发现违规，暂停医保结算服务");
  await page.click("[data-testid=suspend]");
  await page.waitForSelector("[data-testid=notice]");
  expect((await page.textContent("table")).includes("暂停中"), "机构列表应显示暂停中");
  await shot("institutions");
  await signIn("jingban");
  await fillBill("H99900100001", "XJ01DDA100B002010101953 12.5 2\n");
  await page.waitForSelector("[data-testid=bill-error]");
  const err = await page.textContent("[data-testid=bill-error]");
  expect(err.includes("暂停"), `错误信息：${err}`);
});

await check("监管：确认疑点、登记案件、逐步推进并暂停机构协议", async () => {
  await signIn("jianguan");
  await page.goto(`${base}/supervision/findings?status=held`);
  expect((await page.textContent("table")).includes("E2E0001"), "疑点列表应有 E2E0001");
  await page.goto(`${base}/supervision/findings/E2E0001`);
  await page.fill("[data-testid=review-note]", "核实属实，确认违规");
  await page.click("[data-testid=review-confirm]");
  await page.waitForURL(/\/supervision\/findings\/E2E0001$/);
  expect((await page.textContent("table")).includes("确认违规"), "疑点状态应为确认违规");
  await page.goto(`${base}/supervision/cases`);
  await page.selectOption("[data-testid=case-source]", "flying");
  await page.selectOption("[data-testid=case-inst]", "H99900100002");
  await page.fill("[data-testid=case-title]", "飞行检查：重复收费");
  await page.click("[data-testid=case-open]");
  await page.waitForSelector("[data-testid=case-status]");
  for (const want of ["核查", "立案", "处理"]) {
    await page.fill("[data-testid=advance-note]", `推进到${want}`);
    await page.click("[data-testid=advance]");
    await page.waitForFunction((w) => document.querySelector("[data-testid=case-status]")?.textContent === w, want);
  }
  await page.selectOption("[data-testid=link-finding]", "E2E0001");
  await page.click("[data-testid=link]");
  await page.waitForSelector("a[href='/supervision/findings/E2E0001']");
  await page.selectOption("[data-testid=outcome-kind]", "suspend");
  await page.fill("[data-testid=outcome-note]", "暂停医保服务协议 3 个月");
  await page.click("[data-testid=outcome]");
  await page.waitForSelector("text=暂停医保服务协议 3 个月");
  seen.case_url = page.url();
  await shot("supervision-case");
  await page.goto(`${base}/supervision/findings`);
  expect((await page.textContent("table")).includes("E2E0001"), "疑点列表应有 E2E0001");
  await shot("supervision-findings");
  await page.goto(`${base}/supervision/rules`);
  expect((await page.textContent("body")).includes("规则库"), "规则库页面");
  await shot("supervision-rules");
  await page.goto(`${base}/records/institutions`);
  const row = await page.locator("tr", { hasText: "H99900100002" }).first().textContent();
  expect(row.includes("暂停中"), `机构 H99900100002 应暂停中：${row}`);
});

await check("统计页面与工作简报", async () => {
  await signIn("tongji");
  await page.goto(`${base}/stats`);
  for (const id of ["overview", "months", "levels", "tiers", "bands", "enrollment", "top_fund"]) {
    expect(await page.locator(`[data-testid=stat-${id}]`).count() === 1, `统计表 ${id}`);
  }
  expect(await page.locator("figure.chart svg").count() >= 3, "统计图");
  await shot("statistics");
  await page.goto(`${base}/bulletin`);
  const body = await page.inputValue("[data-testid=body]");
  expect(body.includes("全县医保基金共支出") && body.includes("占全年筹资总额的"), "简报草稿");
  await shot("bulletin");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=docx]")]);
  expect((await download.suggestedFilename()).endsWith(".docx"), "docx 文件名");
});

await check("管理员：政策包校验错误显示在页面中；操作日志", async () => {
  await signIn("admin");
  await page.goto(`${base}/records/policies`);
  await page.fill("[data-testid=pack]", "[region]\nadmdvs = \"999001\"\n");
  await page.click("[data-testid=upload]");
  await page.waitForSelector("[data-testid=pack-errors]");
  await shot("policies");
  await page.goto(`${base}/records/settlements`);
  await shot("settlements");
  await page.goto(`${base}/admin/audit`);
  const text = await page.textContent("table");
  expect(text.includes("窗口结算") && text.includes("撤销结算") && text.includes("查看个人信息"), "操作日志应记录结算、撤销与查看");
  await shot("audit-log");
});

await context.close();
rmSync(profile, { recursive: true, force: true });
writeFileSync(outFile, JSON.stringify(seen, null, 2));
const passed = results.filter((r) => r[1]).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
