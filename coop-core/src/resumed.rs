//! What a yield point that was forced to yield does next: polled again ([`resume_budget`],
//! [`spend_if_any`]), or dropped before it was ([`cancelled`]). The budget itself is `state`'s.

use core::task::{Context, Poll};

use crate::ambient;
use crate::exhaustion;
use crate::sites::SiteRef;
use crate::state::{
    Mode, Resume, current, next_chunk_spending_one, refill_ambient, reserve, set, set_reserve,
    site_bit,
};

/// A yield point forced to yield is polled again: a spent ambient budget refills if that poll
/// begins a new task poll (see `exhaustion`).
pub(crate) fn resume_budget(resume: Resume, cx: &Context<'_>) {
    if let Some(state) = current()
        && state.mode == Mode::Ambient
        && state.units == 0
        && state.exhausted
        && exhaustion::resumed(resume.exhaustion, cx.waker())
    {
        refill_ambient();
    }
    exhaustion::polled_again(resume.exhaustion);
}

/// Spends a unit if one is left, and never refuses: for the poll right after a forced yield,
/// which must complete whatever the budget says. `resume`: what the yield point kept from its
/// yield; a spent ambient budget refills if that poll begins a new task poll (see
/// `exhaustion`).
pub(crate) fn spend_if_any(resume: Resume, cx: &Context<'_>) {
    resume_budget(resume, cx);
    let Some(state) = current() else { return };
    // The loop's pace holds readings of the clock of the thread it yielded on.
    let pace = resume.pace.filter(|_| resume.exhaustion.on_this_thread());
    if state.mode == Mode::Unconstrained {
        return;
    }
    if state.mode == Mode::Ambient
        && let Poll::Ready(unit) = ambient::spend_resumed()
    {
        // A unit the source refuses is simply not spent.
        unit.keep();
    }
    // An empty counter takes the next chunk first, and this unit from it: it starts a fresh
    // budget's slice.
    if state.units == 0 {
        next_chunk_spending_one(state, pace.as_ref(), cx.waker());
        return;
    }
    if let Some(state) = current()
        && state.units > 0
    {
        set(state.spent_one());
    }
}

/// A yield point forced to yield is dropped before it is polled again (`select!` dropping the
/// branch, `now_or_never`, `poll!`, a hand-written future building its yield point at each
/// poll): marks its site, so that the next refusal there, during the same spent budget, goes on
/// as a yield point polled again after its yield would.
pub(crate) fn cancelled(resume: Resume, site: SiteRef) {
    let Some(state) = current() else { return };
    if !state.exhausted || state.units > 0 {
        return;
    }
    match state.mode {
        Mode::Ambient => exhaustion::cancelled(resume.exhaustion, site.key()),
        Mode::Scoped if state.budget == resume.budget => {
            if let Some(mut reserve) = reserve() {
                reserve.cancelled |= site_bit(site);
                set_reserve(reserve);
            }
        }
        _ => {}
    }
}
