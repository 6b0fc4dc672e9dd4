//! The one-stop cascade: each fund layer in order works out its base, deductible, bands and caps, and pays.
//!
//! Every layer reads an *axis* of its base: for a per-visit benefit the axis starts at 0; for a per-year benefit it
//! starts where the year's accumulated base stands. The deductible covers the axis from 0 to its amount; bands are
//! absolute positions on the axis. Rounding points: each band's payment, and a base derived by dividing by a ratio
//! (the point where another layer's cap runs out), are rounded half-up to the fen.

use serde::Serialize;

use super::SettleError;
use super::context::VisitCtx;
use crate::money::{Fen, Ratio};
use crate::policy::{Band, BaseKind, Benefit, Layer, Scheme, Scope};

/// The part of one band a layer paid on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BandPart {
    pub from: Fen,
    pub to: Fen,
    pub ratio: Ratio,
    pub pay: Fen,
}

/// Which limit cut a layer's payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "index")]
pub enum LimitKind {
    /// The benefit's annual cap.
    Annual,
    /// A per-disease quota (index into the benefit's quotas).
    Quota(u16),
    /// A combined cap (index into the scheme's combined caps).
    Combined(u16),
    /// Nothing of the in-range amount was left to pay.
    Available,
}

/// Everything one layer computed: the structured explanation of its payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerCalc {
    pub layer: u16,
    pub benefit: u16,
    /// Adjustments applied (indexes into the benefit's adjustments).
    pub adjusts: Vec<u16>,
    pub base_kind: BaseKind,
    /// The visit's in-range amount.
    pub inscp: Fen,
    /// Paid by earlier layers in this visit (for `personal_burden`).
    pub prior_paid: Fen,
    /// The basic fund's deductible taken out of the base (`include_deductible = false`).
    pub deductible_removed: Fen,
    /// 先行自付 added to the base.
    pub preselfpay_added: Fen,
    /// For `above_cap`: where on the other layer's axis its cap ran out.
    pub cap_point: Option<Fen>,
    pub base: Fen,
    pub scope: Scope,
    /// Axis position before this visit (the year's accumulated base, or 0).
    pub axis_start: Fen,
    pub deductible: Fen,
    pub deductible_consumed: Fen,
    /// The ratio in force just above the deductible.
    pub ratio: Ratio,
    /// The annual cap in force (after adjustments), if any.
    pub cap: Option<Fen>,
    pub bands: Vec<BandPart>,
    pub uncapped: Fen,
    /// The limit left before this payment, and which one it was, when it cut the payment.
    pub limited_by: Option<(LimitKind, Fen)>,
    /// The smallest limit that applied (本次可支付限额), if any limit applied.
    pub limit_left: Option<Fen>,
    pub pay: Fen,
    /// Where on this layer's axis its cap ran out, when it did.
    pub exhausted_at: Option<Fen>,
}

impl LayerCalc {
    pub fn axis_end(&self) -> Fen {
        self.axis_start + self.base
    }
}

/// Running totals while the layers pay.
pub struct Cascade<'s> {
    pub scheme: &'s Scheme,
    /// Year totals before this visit, by slot.
    pub acc: &'s [i64],
    /// This visit's changes, by slot.
    pub delta: Vec<i64>,
    pub inscp: Fen,
    pub preselfpay: Fen,
    pub paid: Fen,
    /// The basic fund's deductible consumed (act_pay_dedc).
    pub basic_deductible: Fen,
    pub calcs: Vec<LayerCalc>,
}

impl<'s> Cascade<'s> {
    pub fn run(&mut self, ctx: &VisitCtx) -> Result<(), SettleError> {
        for (li, layer) in self.scheme.layers.iter().enumerate() {
            let Some(bi) = layer.benefits.iter().position(|b| ctx.matches(&b.when)) else {
                if layer.required {
                    return Err(SettleError::NoBenefit {
                        layer: layer.name.clone(),
                        med_type: ctx.visit.med_type.clone(),
                        hosp_lv: ctx.visit.hosp_lv.clone(),
                    });
                }
                continue;
            };
            let calc = self.layer(ctx, li, layer, bi)?;
            if li == 0 {
                self.basic_deductible = calc.deductible_consumed;
            }
            self.calcs.push(calc);
        }
        Ok(())
    }

    fn layer(&mut self, ctx: &VisitCtx, li: usize, layer: &Layer, bi: usize) -> Result<LayerCalc, SettleError> {
        let b: &Benefit = &layer.benefits[bi];
        let not_covered = |what: &'static str| SettleError::LevelNotCovered {
            layer: layer.name.clone(),
            benefit: b.name.clone(),
            what,
            hosp_lv: ctx.visit.hosp_lv.clone(),
            psn_type: ctx.person.psn_type.clone(),
        };
        // Parameters for this person and place.
        let mut deductible = if b.deductible.is_empty() {
            Fen::ZERO
        } else {
            pick_deductible(b, ctx).ok_or_else(|| not_covered("起付线"))?
        };
        // The most specific matching row applies; among equally specific rows, the first.
        let row = b
            .ratio
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.hosp_lv.as_deref().is_none_or(|h| h == ctx.visit.hosp_lv)
                    && r.psn_type.as_deref().is_none_or(|p| ctx.psn_type_is(p))
                    && r.chosen_facility.is_none_or(|c| c == ctx.at_chosen_facility)
            })
            .max_by_key(|(i, r)| {
                let keys = usize::from(r.hosp_lv.is_some())
                    + usize::from(r.psn_type.is_some())
                    + usize::from(r.chosen_facility.is_some());
                (keys, r.psn_type.as_ref().map_or(0, |p| p.len()), std::cmp::Reverse(*i))
            })
            .map(|(_, r)| r)
            .ok_or_else(|| not_covered("支付比例"))?;
        let mut bands: Vec<Band> = row.bands.clone();
        let mut cap = b.cap;
        let mut adjusts = Vec::new();
        for (ai, a) in b.adjust.iter().enumerate() {
            if !ctx.matches(&a.when) {
                continue;
            }
            adjusts.push(ai as u16);
            if let Some(d) = a.deductible {
                deductible = d;
            }
            if let Some(f) = a.deductible_factor {
                deductible = deductible.mul_ratio(f);
            }
            if a.no_cap {
                cap = None;
            }
            if let Some(c) = a.cap {
                cap = Some(c);
            }
            for band in &mut bands {
                if let Some(r) = a.ratio {
                    band.ratio = r;
                }
                if let Some(r) = a.ratio_add {
                    band.ratio = band.ratio.saturating_add(r);
                }
            }
        }

        // The base.
        let preselfpay_added = if b.include_preselfpay { self.preselfpay } else { Fen::ZERO };
        let mut deductible_removed = Fen::ZERO;
        let mut cap_point = None;
        let mut prior_paid = Fen::ZERO;
        let base = match b.base {
            BaseKind::InRange => self.inscp + preselfpay_added,
            BaseKind::PersonalBurden => {
                prior_paid = self.paid;
                if !b.include_deductible {
                    deductible_removed = self.basic_deductible;
                }
                self.inscp + preselfpay_added - prior_paid - deductible_removed
            }
            BaseKind::AboveCap => {
                let of = b.above_cap_of.unwrap_or(usize::MAX);
                match self.calcs.iter().find(|c| usize::from(c.layer) == of) {
                    Some(prev) => match prev.exhausted_at {
                        Some(point) => {
                            cap_point = Some(point);
                            prev.axis_end() - point.max(prev.axis_start)
                        }
                        None => Fen::ZERO,
                    },
                    None => Fen::ZERO,
                }
            }
        }
        .max0();

        // Deductible and bands on the axis.
        let axis_start = match b.base_slot {
            Some(s) if b.scope == Scope::Year => Fen(self.acc[s]),
            _ => Fen::ZERO,
        };
        let axis_end = axis_start + base;
        let deductible_consumed = (deductible.min(axis_end) - axis_start).max0();
        let paid_from = axis_start.max(deductible);
        let mut parts = Vec::with_capacity(bands.len());
        for band in &bands {
            let lo = band.from.max(paid_from);
            let hi = band.to.map_or(axis_end, |t| t.min(axis_end));
            if hi > lo {
                parts.push(BandPart { from: lo, to: hi, ratio: band.ratio, pay: (hi - lo).mul_ratio(band.ratio) });
            }
        }
        let uncapped: Fen = parts.iter().map(|p| p.pay).sum();
        // The ratio that applies just above the deductible (reported as pool_prop_selfpay even when nothing is paid).
        let ratio = bands.iter().find(|b| b.to.is_none_or(|t| t > paid_from)).map_or(Ratio::ZERO, |b| b.ratio);

        // Limits: annual cap, disease quota, combined caps, and what is left to pay at all.
        let mut limits: Vec<(LimitKind, Fen)> = Vec::new();
        if let Some(c) = cap {
            limits.push((LimitKind::Annual, c - Fen(self.acc[b.paid_slot] + self.delta[b.paid_slot])));
        }
        let quota = b.quota.iter().position(|q| ctx.has_disease(&q.diseases));
        if let Some(qi) = quota {
            let q = &b.quota[qi];
            limits.push((LimitKind::Quota(qi as u16), q.amount - Fen(self.acc[q.slot] + self.delta[q.slot])));
        }
        for (ci, cc) in self.scheme.combined_caps.iter().enumerate() {
            if cc.paid_slots.contains(&b.paid_slot) {
                let used: i64 = cc.paid_slots.iter().map(|&s| self.acc[s] + self.delta[s]).sum();
                limits.push((LimitKind::Combined(ci as u16), cc.cap - Fen(used)));
            }
        }
        let limit = limits.iter().copied().min_by_key(|(_, v)| *v).map(|(k, v)| (k, v.max0()));
        let available = (self.inscp + preselfpay_added - self.paid).max0();
        let mut pay = uncapped;
        let mut limited_by = None;
        let mut exhausted_at = None;
        // A limit binds when it is below the payment, or when it is used up and any paying band is reached (even
        // if this visit's share of it rounds to nothing), so that a layer continuing the cap starts exactly here.
        let used_up = |left: Fen| left.0 <= 0 && parts.iter().any(|p| p.ratio.0 > 0);
        if let Some((kind, left)) = limit
            && (left < pay || used_up(left))
        {
            pay = left;
            limited_by = Some((kind, left));
            // Only a cap on the fund (annual or combined) hands over to a layer above it; a disease quota does not.
            if matches!(kind, LimitKind::Annual | LimitKind::Combined(_)) {
                exhausted_at = Some(exhaustion_point(&parts, left, paid_from));
            }
        }
        if available < pay {
            pay = available;
            limited_by = Some((LimitKind::Available, available));
        }

        // Record.
        self.delta[b.paid_slot] += pay.0;
        if let Some(s) = b.base_slot {
            self.delta[s] += base.0;
        }
        if let Some(qi) = quota {
            self.delta[b.quota[qi].slot] += pay.0;
        }
        self.paid += pay;
        Ok(LayerCalc {
            layer: li as u16,
            benefit: bi as u16,
            adjusts,
            base_kind: b.base,
            inscp: self.inscp,
            prior_paid,
            deductible_removed,
            preselfpay_added,
            cap_point,
            base,
            scope: b.scope,
            axis_start,
            deductible,
            deductible_consumed,
            ratio,
            cap,
            bands: parts,
            uncapped,
            limited_by,
            limit_left: limit.map(|(_, v)| v),
            pay,
            exhausted_at,
        })
    }
}

/// The deductible row for this visit. Rows must fit the level, person type and admission number; among those,
/// the one with the highest admission number not above this visit's applies, then the one with most keys given,
/// then the longest 人员类别 code, then the first.
fn pick_deductible(b: &Benefit, ctx: &VisitCtx) -> Option<Fen> {
    b.deductible
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.hosp_lv.as_deref().is_none_or(|h| h == ctx.visit.hosp_lv)
                && r.psn_type.as_deref().is_none_or(|p| ctx.psn_type_is(p))
                && r.admission.is_none_or(|n| n <= ctx.admission_no.max(1))
        })
        .max_by_key(|(i, r)| {
            let keys = usize::from(r.hosp_lv.is_some()) + usize::from(r.psn_type.is_some());
            (r.admission.unwrap_or(0), keys, r.psn_type.as_ref().map_or(0, |p| p.len()), std::cmp::Reverse(*i))
        })
        .map(|(_, r)| r.amount)
}

/// The axis position where cumulative payment over `parts` reaches `allowed`: inside the first band whose payment
/// takes the running total past `allowed` (a 0% band before that point is passed over, not stopped at).
fn exhaustion_point(parts: &[BandPart], allowed: Fen, paid_from: Fen) -> Fen {
    let mut cum = Fen::ZERO;
    for p in parts {
        if p.ratio.0 > 0 && (cum + p.pay > allowed || (allowed.0 <= 0 && p.to > p.from)) {
            return (p.from + (allowed - cum).div_ratio(p.ratio)).min(p.to);
        }
        cum += p.pay;
    }
    parts.last().map_or(paid_from, |p| p.to)
}
