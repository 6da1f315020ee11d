//! The generated classes' money (issue 18): each class's budget — the parents' fee (free in one
//! class of three), planned income from its union, its unit, the district federation at every
//! other class and the parents' fees, and what each source pays for: the union materials and
//! allowances, the unit the insurance (union money does not buy it) and the cleaning, the district
//! more allowances, the fees purchased courses; income and spending equal — and its ledger of 6
//! to 11 entries on its operating days: each source's receipt and the payments (half the classes
//! have not paid everything yet); one class in fifty also books a payment twice and reverses it. Literal multi-row INSERTs,
//! beside the rest of a chunk of classes; the kept figures are counted once at the end by
//! `dashboard::tallies::rebuild`.

use tuoguan::db::Tx;

use crate::bulk::{Insert, L};

const ENTRY_COLS: [&str; 14] = [
    "id",
    "class_id",
    "programme_id",
    "direction",
    "source",
    "category",
    "amount_fen",
    "occurred_on",
    "counterparty",
    "voucher_no",
    "summary",
    "reverses",
    "recorded_by",
    "recorded_at",
];

/// The budget and ledger rows of a chunk of classes.
pub struct Money {
    budgets: Insert,
    lines: Insert,
    entries: Insert,
    pub classes: usize,
    pub entries_written: usize,
}

/// A ledger entry as generated.
struct E<'a> {
    receipt: bool,
    source: &'a str,
    category: Option<&'a str>,
    fen: i64,
    day: &'a str,
    counterparty: &'a str,
    summary: &'a str,
}

impl Money {
    pub fn new() -> Money {
        Money {
            budgets: Insert::new(
                "class_budgets",
                &["class_id", "fee_fen", "updated_by", "updated_at"],
            ),
            lines: Insert::new("budget_lines", &["class_id", "line", "planned_fen"]),
            entries: Insert::new("ledger_entries", &ENTRY_COLS),
            classes: 0,
            entries_written: 0,
        }
    }

    /// Class `i` (`children` enrolled) of the programme, its entries on `days` (operating days of
    /// its season before today, in order).
    pub fn class(
        &mut self,
        (programme, class): (&str, &str),
        i: usize,
        children: usize,
        days: &[String],
        now: i64,
    ) {
        let n = children as i64;
        let fee = [0, 20_000, 30_000][i % 3];
        // Income by source, each planned to pay for some of the spending.
        let union = 800_000 + (i % 7) as i64 * 100_000;
        let unit = 300_000 + (i % 5) as i64 * 50_000;
        let county = if i.is_multiple_of(2) { 500_000 } else { 0 };
        let fees = fee * n;
        let insurance = (3_000 * n).min(unit);
        let materials = union * 2 / 5;
        let from_union = union - materials;
        self.budgets
            .row(&[L::T(class), L::I(fee), L::T("generator"), L::I(now)]);
        let planned = [
            ("source:grassroots_union", union),
            ("source:unit_admin", unit),
            ("source:county_union", county),
            ("source:parent_fees", fees),
            ("category:allowances", from_union + county),
            ("category:materials", materials),
            ("category:insurance", insurance),
            ("category:services", fees),
            ("category:other", unit - insurance),
        ];
        for (line, fen) in planned.iter().filter(|(_, f)| *f > 0) {
            self.lines.row(&[L::T(class), L::T(line), L::I(*fen)]);
        }
        let day = |k: usize| days[k.min(days.len() - 1)].as_str();
        let last = days.len().saturating_sub(1);
        let receipt = |source, fen, day, counterparty, summary| E {
            receipt: true,
            source,
            category: None,
            fen,
            day,
            counterparty,
            summary,
        };
        let payment = |source, category, fen, day, counterparty, summary| E {
            receipt: false,
            source,
            category: Some(category),
            fen,
            day,
            counterparty,
            summary,
        };
        // Every other class has paid its second half of the allowances; one in four has paid
        // only half of the cleaning.
        let second_half = if i.is_multiple_of(2) {
            from_union / 2
        } else {
            0
        };
        let other = if i % 4 == 3 {
            (unit - insurance) / 2
        } else {
            unit - insurance
        };
        let book = [
            receipt(
                "grassroots_union",
                union,
                day(0),
                "本单位工会",
                "工会经费拨入托管班",
            ),
            receipt("unit_admin", unit, day(1), "本单位行政", "单位行政经费支持"),
            receipt("parent_fees", fees, day(0), "家长", "家长缴纳托管费"),
            receipt(
                "county_union",
                county,
                day(5),
                "区总工会",
                "区总工会托管班补助",
            ),
            payment(
                "unit_admin",
                "insurance",
                insurance,
                day(0),
                "中国人寿保险公司",
                "儿童意外伤害保险",
            ),
            payment(
                "grassroots_union",
                "materials",
                materials,
                day(2),
                "文具用品商店",
                "教具、图书及手工材料",
            ),
            payment(
                "unit_admin",
                "other",
                other,
                day(3),
                "物业公司",
                "场地清洁消毒",
            ),
            payment(
                "parent_fees",
                "services",
                fees,
                day(4),
                "青少年宫",
                "购买兴趣课程服务",
            ),
            payment(
                "grassroots_union",
                "allowances",
                from_union - from_union / 2,
                day(last / 2),
                "托管班工作人员",
                "工作人员及志愿者补贴（上半期）",
            ),
            payment(
                "grassroots_union",
                "allowances",
                second_half,
                day(last),
                "托管班工作人员",
                "工作人员及志愿者补贴（下半期）",
            ),
            payment(
                "county_union",
                "allowances",
                county,
                day(last),
                "托管班志愿者",
                "志愿者交通餐费补贴",
            ),
        ];
        let mut vouchers = (0, 0);
        let mut next = |receipt: bool| {
            let k = if receipt {
                &mut vouchers.0
            } else {
                &mut vouchers.1
            };
            *k += 1;
            *k
        };
        for e in book.iter().filter(|e| e.fen > 0) {
            let k = next(e.receipt);
            self.entry(programme, class, e, (k, None), now);
        }
        if i % 50 == 13 {
            // A payment booked twice by mistake, and its counter-entry two days later.
            let wrong = payment(
                "grassroots_union",
                "materials",
                materials,
                day(2),
                "文具用品商店",
                "教具、图书及手工材料",
            );
            let k = next(false);
            let id = self.entry(programme, class, &wrong, (k, None), now + 1);
            let counter = E {
                fen: -wrong.fen,
                day: day(4),
                summary: "重复记账，冲销",
                ..wrong
            };
            self.entry(programme, class, &counter, (k, Some(&id)), now + 2);
        }
        self.classes += 1;
    }

    fn entry(
        &mut self,
        programme: &str,
        class: &str,
        e: &E,
        (k, reverses): (usize, Option<&str>),
        at: i64,
    ) -> String {
        let id = tuoguan::new_id();
        let voucher = format!("{}-{k:03}", if e.receipt { "收" } else { "付" });
        self.entries.row(&[
            L::T(&id),
            L::T(class),
            L::T(programme),
            L::T(if e.receipt { "receipt" } else { "payment" }),
            L::T(e.source),
            e.category.map_or(L::N, L::T),
            L::I(e.fen),
            L::T(e.day),
            L::T(e.counterparty),
            L::T(&voucher),
            L::T(e.summary),
            reverses.map_or(L::N, L::T),
            L::T("generator"),
            L::I(at),
        ]);
        self.entries_written += 1;
        id
    }

    /// Writes the chunk's rows.
    pub async fn run(self, tx: &mut Tx) -> anyhow::Result<()> {
        for ins in [self.budgets, self.lines, self.entries] {
            ins.run(tx).await?;
        }
        Ok(())
    }
}
