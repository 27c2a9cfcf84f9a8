//! `drill explore --deviation-groups N`: the deviation plans split into roots of plans that
//! first change consecutive steps, each searched with all five reductions. Every plan in
//! exactly one group; the same verdicts and counterexample depths as one root; a group
//! leaves the undeviated run past its plans to the last group.

mod common;

use common::explore::{search, CORRECTED_FB, CORRECTED_FO, FAILOVER_ONLY};
use harness::explore::{self, memory::Budget, merge, report, shard::Shard, SearchArgs};
use sim::explore::{Bound, Node, PlanGroups};
use std::path::Path;
use std::process::Command;

fn args(
    scenario: Option<&str>,
    runbooks: &[&str],
    k: u32,
    d: u32,
    groups: Option<u32>,
) -> SearchArgs {
    SearchArgs {
        deviation_groups: groups.map(PlanGroups::Count),
        ..common::explore::args(scenario, runbooks, k, d)
    }
}

/// Per property: the depth of its shortest counterexample and the deviations on it.
fn found(r: &report::ExploreReport) -> Vec<Option<(u32, String)>> {
    r.properties
        .iter()
        .map(|p| {
            p.counterexample
                .as_ref()
                .map(|c| (c.depth, c.deviations.clone()))
        })
        .collect()
}

#[test]
fn every_plan_is_in_exactly_one_group_in_order() {
    let whole = explore::input(&args(None, &[CORRECTED_FO, CORRECTED_FB], 1, 1, None)).unwrap();
    let all = whole.roots[0].moves.as_deref().unwrap();
    let mut plans: Vec<u32> = all.positions().flat_map(|(_, p)| p.to_vec()).collect();
    plans.sort_unstable();
    // 97 single deviations of the corrected full cycle, each changing some step.
    assert_eq!(plans, (1..=97).collect::<Vec<u32>>());
    for n in [2u32, 5, 40, 1000] {
        let inp =
            explore::input(&args(None, &[CORRECTED_FO, CORRECTED_FB], 1, 1, Some(n))).unwrap();
        let groups: Vec<_> = inp
            .roots
            .iter()
            .map(|r| r.moves.as_deref().unwrap())
            .collect();
        // At most a plan a group, and the undeviated run's own.
        assert_eq!(groups.len(), (n as usize).min(98), "{n} groups");
        let mut seen: Vec<((usize, usize), u32)> = Vec::new();
        for (g, d) in groups.iter().enumerate() {
            let mine: Vec<_> = d
                .positions()
                .flat_map(|(pos, p)| p.iter().map(move |&r| (pos, r)))
                .collect();
            assert!(
                g + 1 == groups.len() || !mine.is_empty(),
                "group {g} of {n} empty"
            );
            // Only the last group plays the undeviated run to its end; the others up to
            // their last plan's step.
            let last_pos = mine.last().map(|e| e.0);
            if g + 1 < groups.len() {
                assert_eq!(d.undeviated_until, last_pos, "group {g} of {n}");
            } else {
                assert_eq!(d.undeviated_until, None);
            }
            assert!(inp.roots[g].deviations.starts_with(&format!(
                "group {} of {}",
                g + 1,
                groups.len()
            )));
            seen.extend(mine);
        }
        // The groups' plans, in order, are the plans in order of their first difference.
        let expected: Vec<_> = all
            .positions()
            .flat_map(|(pos, p)| p.iter().map(move |&r| (pos, r)))
            .collect();
        assert_eq!(seen, expected, "{n} groups");
    }
}

/// The groups' union is the one root's search: the same properties violated, at the same
/// depths, by the same deviations; searched one group at a time (the command without
/// --shard) it is the report of all groups in one table.
#[test]
fn groups_find_what_one_root_finds_at_the_same_depths() {
    let one = search(&args(None, &[CORRECTED_FO, CORRECTED_FB], 0, 1, None));
    assert!(found(&one).iter().any(|f| f.is_some()));
    for n in [
        PlanGroups::Count(3),
        PlanGroups::Count(1000),
        PlanGroups::Auto,
    ] {
        let a = SearchArgs {
            deviation_groups: Some(n),
            ..args(None, &[CORRECTED_FO, CORRECTED_FB], 0, 1, None)
        };
        let grouped = search(&a);
        assert_eq!(found(&grouped), found(&one), "{n:?} groups");
        assert!(grouped.unique_states >= one.unique_states);
        assert_eq!(
            grouped.bound.reduction,
            format!(
                "{}, in {} groups of plans",
                report::REDUCTION,
                grouped.roots
            )
        );
        let inp = explore::input(&a).unwrap();
        let mut one_at_a_time = explore::one_root_at_a_time(&inp, &a, &Budget::none()).unwrap();
        let together = grouped;
        one_at_a_time.measured = together.measured.clone();
        assert_eq!(one_at_a_time, together, "{n:?} groups");
        // Searched one root after another on one thread, or two side by side: the same.
        let serial = SearchArgs {
            jobs: 1,
            ..a.clone()
        };
        let mut one_thread = explore::one_root_at_a_time(&inp, &serial, &Budget::none()).unwrap();
        one_thread.measured = together.measured.clone();
        assert_eq!(one_thread, together, "{n:?} groups, one thread");
    }
    // More threads than roots: two groups on two threads each, the same report.
    let a = SearchArgs {
        jobs: 4,
        ..args(None, &[CORRECTED_FO, CORRECTED_FB], 0, 1, Some(2))
    };
    let together = search(&a);
    let inp = explore::input(&a).unwrap();
    let mut apart = explore::one_root_at_a_time(&inp, &a, &Budget::none()).unwrap();
    apart.measured = together.measured.clone();
    assert_eq!(apart, together);
    // With a fault too, on the corrected failover alone.
    let one = search(&args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 1, 1, None));
    let grouped = search(&args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 1, 1, Some(4)));
    assert_eq!(grouped.roots, 4);
    assert_eq!(found(&grouped), found(&one));
    // A group per plan and one more: the last holds the undeviated run alone, which is
    // the search without deviations, state for state.
    let a = args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 1, 1, Some(1000));
    let inp = explore::input(&a).unwrap();
    let last = inp.roots.len() as u64 - 1;
    assert!(inp.roots[last as usize]
        .deviations
        .ends_with("the undeviated run"));
    let alone = search(&SearchArgs {
        shard: Some(Shard {
            index: last,
            count: last + 1,
        }),
        ..a
    });
    let undeviated = search(&args(Some(FAILOVER_ONLY), &[CORRECTED_FO], 1, 0, None));
    assert_eq!(
        (alone.unique_states, alone.end_states, alone.depth),
        (
            undeviated.unique_states,
            undeviated.end_states,
            undeviated.depth
        )
    );
}

/// Walking the undeviated run: a group that is not the last stops it (no successor) once
/// no plan of the group can be chosen any more, and not before; the last group plays it
/// to its end.
#[test]
fn a_group_leaves_the_undeviated_run_past_its_plans_to_the_last() {
    let a = args(None, &[CORRECTED_FO, CORRECTED_FB], 0, 1, Some(4));
    let inp = explore::input(&a).unwrap();
    let bound = Bound {
        faults: 0,
        deviations: 1,
        beyond: false,
        reduce: true,
        plan_roots: false,
        plan_groups: PlanGroups::Count(4),
    };
    assert_eq!(inp.roots.len(), 4);
    for (g, root) in inp.roots.iter().enumerate() {
        let moves = root.moves.as_deref().unwrap();
        let mut node = Node::root(g, root, &inp.loaded.runbooks, bound);
        let mut chosen_here = 0;
        loop {
            // The next event starts a position with plans of this group: the node offers
            // them as successors, so it must not be a leaf.
            let starts = node.st.next_start().map(|p| moves.at(p).len()).unwrap_or(0);
            chosen_here += starts;
            let mut next = node.successors(bound);
            if next.is_empty() {
                break;
            }
            assert_eq!(
                next.len(),
                1 + starts,
                "group {g}: the next event and its plans"
            );
            node = next.swap_remove(0);
        }
        let total: usize = moves.positions().map(|(_, p)| p.len()).sum();
        assert_eq!(
            chosen_here, total,
            "group {g} offered every plan of its own"
        );
        match moves.undeviated_until {
            Some(until) => {
                assert!(
                    !node.st.done(),
                    "group {g} played the undeviated run to its end"
                );
                assert!(node.st.earliest_start().is_none_or(|p| p > until));
            }
            None => assert!(node.st.done()),
        }
    }
}

/// `--shard I/N` with groups: a process per group (or per few), merged into the report of
/// the groups searched in one process.
#[test]
fn grouped_shards_merge_into_the_whole() {
    let mut whole_args = args(None, &[CORRECTED_FO, CORRECTED_FB], 0, 1, Some(5));
    whole_args.jobs = 1;
    let mut whole = search(&whole_args);
    let mut parts = Vec::new();
    for index in 0..3 {
        let a = SearchArgs {
            shard: Some(Shard { index, count: 3 }),
            ..whole_args.clone()
        };
        let r = search(&a);
        assert!(r.roots < 5);
        let text = serde_json::to_string(&r).unwrap();
        parts.push((
            format!("{index}.json"),
            serde_json::from_str(&text).unwrap(),
        ));
    }
    let merged = merge::merge(&parts).expect("the three shards merge");
    whole.measured = merged.measured.clone();
    assert_eq!(merged, whole);
}

/// `--deviation-groups auto` packs the plans in order into groups of at most two searches
/// without deviations: a plan weighs the share of that search after its step (1 - done),
/// a group also replays the share before its last plan (done), and the undeviated run is
/// the last group's, alone. With the share given, the packing follows from the rule alone.
#[test]
fn auto_groups_pack_plans_up_to_two_searches_without_deviations() {
    let whole = explore::input(&args(None, &[CORRECTED_FO, CORRECTED_FB], 0, 1, None)).unwrap();
    let all = whole.roots[0].moves.as_deref().unwrap();
    let starts: Vec<_> = all.positions().map(|(pos, _)| (pos, 0)).collect();
    let sizes = |done: f64| -> Vec<usize> {
        let groups = all.auto_groups(&starts, 0, 0, &|_| done);
        let last = groups.last().unwrap();
        assert_eq!(last.positions().count(), 0, "the undeviated run alone");
        assert_eq!(last.undeviated_until, None);
        groups[..groups.len() - 1]
            .iter()
            .map(|g| g.positions().map(|(_, p)| p.len()).sum())
            .collect()
    };
    // Every plan the whole search after it (1 each): two a group, 97 plans.
    let heavy = sizes(0.0);
    assert_eq!(heavy.len(), 49);
    assert!(
        heavy[..48].iter().all(|&n| n == 2) && heavy[48] == 1,
        "{heavy:?}"
    );
    // Half each, and half replayed: 0.5 n + 0.5 <= 2, three a group.
    let half = sizes(0.5);
    assert_eq!(half.len(), 33);
    assert!(
        half[..32].iter().all(|&n| n == 3) && half[32] == 1,
        "{half:?}"
    );
    // Nothing after the plans: the replay alone, one group of all 97.
    assert_eq!(sizes(1.0), vec![97]);
}

/// What auto weighs the levels by: the one-fault search's states level by level, every
/// one of them. The last level's successors that end their run start no level of their own;
/// they were left out once (issue 14's eleventh session), which moved five failback groups'
/// borders at K=2, D=1.
#[test]
fn auto_weighs_every_level_of_the_one_fault_search() {
    let a = args(None, &[CORRECTED_FO, CORRECTED_FB], 1, 0, None);
    let inp = explore::input(&a).unwrap();
    let levels =
        sim::explore::level_states(&inp.loaded.scenario, &inp.loaded.runbooks, inp.bound).unwrap();
    let whole = search(&a);
    assert!(whole.complete);
    assert_eq!(levels.iter().sum::<u64>(), whole.unique_states);
    // One level a transition from the root: the deepest is the search's depth.
    assert_eq!(levels.len() as u32, whole.depth + 1);
    assert_eq!(levels[0], 1, "the root");
    assert!(*levels.last().unwrap() > 0, "{levels:?}");
}

/// Auto is the default from K=2 with deviations (one root there holds 27.4 million states
/// over the corrected full cycle, and its threads wait on each other at every level); below
/// K=2, without deviations, or when asked for with 1, one root. With one deviation auto is
/// two groups of equal weight, as `--deviation-groups 2` cuts them (the fastest measured,
/// docs/explore.md "Groups of plans"); with two, the packing rule, bounded.
#[test]
fn auto_groups_are_the_default_from_two_faults() {
    let input = |k: u32, d: u32, groups: Option<PlanGroups>| {
        explore::input(&SearchArgs {
            deviation_groups: groups,
            ..args(None, &[CORRECTED_FO, CORRECTED_FB], k, d, None)
        })
        .unwrap()
    };
    let texts = |i: &explore::Input| {
        i.roots
            .iter()
            .map(|r| r.deviations.clone())
            .collect::<Vec<_>>()
    };
    for k in [2, 3] {
        let auto = input(k, 1, Some(PlanGroups::Auto));
        let default = input(k, 1, None);
        assert_eq!(texts(&default), texts(&auto), "K={k}");
        assert_eq!(
            auto.roots.len(),
            sim::explore::deviate::AUTO_GROUPS_ONE_DEVIATION,
            "K={k}"
        );
        assert_eq!(
            texts(&auto),
            texts(&input(k, 1, Some(PlanGroups::Count(2)))),
            "K={k}"
        );
    }
    for k in [0, 1] {
        assert_eq!(
            input(k, 1, None).roots.len(),
            1,
            "K={k}: one root by default"
        );
    }
    assert_eq!(input(2, 1, Some(PlanGroups::Count(1))).roots.len(), 1);
    assert_eq!(input(2, 0, None).roots.len(), 1, "no plans to group");
    // With two deviations the packing would make thousands of groups (4,753 plans): the
    // roots stay bounded, cut into --deviation-groups' most of equal weight.
    assert_eq!(
        input(2, 2, None).roots.len(),
        sim::explore::deviate::MAX_GROUPS
    );
}

#[test]
fn bad_group_arguments_are_refused() {
    let drill = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_drill"))
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .args(args)
            .output()
            .expect("drill runs")
    };
    for (args, says) in [
        (
            &["explore", "--faults", "0", "--deviation-groups", "3"][..],
            "expected --deviations 1 or more",
        ),
        (
            &["explore", "--deviations", "1", "--deviation-groups", "0"][..],
            "expected 1 to 1024, or auto",
        ),
        (
            &["explore", "--deviations", "1", "--deviation-groups", "some"][..],
            "or auto",
        ),
        (
            &[
                "explore",
                "--deviations",
                "1",
                "--deviation-groups",
                "2",
                "--deviation-roots",
            ][..],
            "cannot be used with",
        ),
    ] {
        let out = drill(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
