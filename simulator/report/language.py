"""Every word the figures and the brief show a reader, in English and Bahasa Indonesia.

Strings live here and nowhere else: `plots.py`, `brief.py` and `report.py` (the
comparison printed on the terminal) ask a `Language` for them by key. Numbers
are formatted one way everywhere (`value`), with Indonesian separators in
Bahasa Indonesia.

>>> language("id").value("lead_time_days", 6.976)
'6,98'
>>> language("en").say("trip_many", count=3)
'3 trips'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.analysis.satisfaction import grade

POINTS = ("abandoned_share", "within_standard_share", "ikm")
"""Metrics whose change reads better in points than in per cent."""
NEEDS_COMPLETION = (
    "lead_time_days",
    "lead_time_calendar_days",
    "lead_time_days_p50",
    "lead_time_days_p90",
    "staff_cost_per_case",
)
"""Metrics that exist only when someone completed: without completions they are 'no completed applicants'."""


def value(metric: str, number: float, graded: bool = True) -> str:
    """A metric's value as people read it, in English digits: shares in per cent, IKM with its grade.

    >>> value("within_standard_share", 0.4567), value("ikm", 76.61), value("wait_minutes", 3.14159)
    ('45.7%', '76.6 (B)', '3.14')
    """
    if math.isnan(number):
        return "n/a"
    if metric.endswith("_share"):
        return f"{100 * number:.1f}%"
    if metric == "ikm" and graded:
        return f"{number:.1f} ({grade(number)[0]})"
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.{1 if abs(number) >= 10 else 2}f}"


EN: dict[str, str] = {
    # the comparison printed on the terminal
    "text_header": "{scenario}: {configurations} configurations x {replications} replications, seed {seed}",
    "text_service": "Service: {name}",
    "text_all_services": "All services together",
    "text_baseline": "{name} (baseline)",
    "text_versus": "{name} vs {baseline}",
    "text_interval": "[95% CI {low} to {high}]",
    "text_relative": "{change}, 95% CI {low} to {high}",
    "text_unpaired": "no replication in which both have a value, so no paired change",
    "text_partly_paired": "paired in the {count} of {total} replications in which both have a value",
    "text_few_replications": (
        "fewer than 5 replications ({count}): their 95% intervals are very wide and lean on the normal "
        "approximation; use --replications 5 or more"
    ),
    "text_files": "result files: {folder}",
    "text_plotted": "{count} files written in {folder} ({lang})",
    "text_sweep_header": "{scenario}: {points} points x {configurations} configurations x {replications} replications",
    "text_precision_met": (
        "precision: every 95% half-width of {metrics} is within {target} of its mean (or of its floor) from "
        "{needed} replications on, checked over {ahead} more ({ran} run)"
    ),
    "text_precision_missed": (
        "precision: not reached in {ran} replications, the most allowed (--max-replications); target {target} of "
        "each mean (or of its floor)"
    ),
    "text_precision_miss": "{name}, {metric}: mean {mean}, 95% half-width {half} (needed at most {allowed})",
    "text_precision_late": "every half-width is within the target at {ran}, but not yet for the look-ahead",
    "term_wait_minutes": "wait",
    "term_longest_wait_minutes": "longest wait",
    "term_lead_time_days": "lead time",
    "term_trips": "trips",
    "term_contacts": "contacts",
    "term_rejections": "rejections",
    "term_abandoned_share": "abandoned",
    "term_within_standard_share": "within standard",
    "term_ikm": "IKM",
    "term_citizen_cost": "citizen cost",
    "term_staff_cost_per_case": "staff cost per case",
    "no_completed": "no completed applicants",
    "no_applicants": "no applicants in the counted days",
    "change_by_down": "cuts {metric} by {change}",
    "change_by_up": "raises {metric} by {change}",
    "change_by_same": "leaves {metric} unchanged",
    "change_by_none": "{metric}: no paired change",
    # several services
    "question_services": "Each service is reported on its own: {services}.",
    "service_heading": "{name} (standard {days} working days)",
    "all_services": "all services together",
    "ikm_service_line": "{service}: {grades}",
    "warning_abandoned_service": "{name}, {service}: {share} of applicants give up before their service is complete.",
    "warning_few_replications": (
        "Fewer than 5 replications ({count}): the 95% intervals are wide and lean on the normal approximation; "
        "run at least 5 before relying on them."
    ),
    "lead_none": "no completed applicants",
    "figure_none": "No completed applicants under any configuration shown",
    "timeline_title_services": "A typical applicant of each service, under {names}",
    "headline_title_services": (
        "{focus} against {baseline}, per service: completion time shorter in {count} of {total} services"
    ),
    "differences_relative": "change in per cent (log scale)",
    "differences_relative_short": "per cent",
    "differences_points_short": "points",
    "figure_services_title": "{focus} against {baseline}, service by service",
    "differences_title_services": (
        "Against {baseline}, {focus} shortens the completion time in {count} of {total} services (paired 95% intervals)"
    ),
    "differences_points": "change in points",
    "satisfaction_title_services": "{focus} lifts the IKM in {count} of {total} services",
    "satisfaction_services_panel": "IKM of each service",
    "satisfaction_elements_all": "The nine elements, all services together",
    # studies: sweeps and warm-up
    "sweep_title": "{metric} as {path} changes (mean and 95% interval)",
    "warmup_title": "Warm-up: MSER-5 suggests leaving out the first {days} working days",
    "warmup_suggestion": "suggested warm-up: {days} days",
    "warmup_day": "working day of arrival (from an empty office)",
    # the brief
    "brief_title": "Policy brief: {scenario}",
    "brief_subtitle": "Siloed agencies or whole-of-government service? A simulation on the same applicants.",
    "question_heading": "The question",
    "question": (
        "How much do waits, completion times, trips and satisfaction (IKM) change when the same agencies "
        "organise their service differently? {count} configurations were simulated on the same applicants; "
        "{baseline} is the reference."
    ),
    "interval": "[{low}\u2013{high}]",
    "question_one": (
        "How much do waits, completion times, trips and satisfaction (IKM) change when the same agencies "
        "organise their service differently? Only {baseline} was simulated here, so its figures stand alone."
    ),
    "lead_title_one": "Done within the {days}-day standard: {share} of applicants under {name}",
    "lead_title_many_one": "Done within each service's standard under {name}: {total} services, one panel each",
    "headline_title_one": "{name}: completion time {lead} working days, {trips} trips",
    "satisfaction_title_one": "IKM under {name}: {ikm}",
    "configurations_heading": "The configurations compared",
    "configuration_baseline": "{name} (reference): {levers}.",
    "configuration_other": "{name}: as {baseline}, but {levers}.",
    "configuration_same": "{name}: the same levers as {baseline}.",
    "findings_heading": "What changes",
    "table_heading": "Key figures: mean and [95% confidence interval]",
    "table_configuration": "Configuration",
    "figures_heading": "Figures",
    "ikm_heading": "Satisfaction (IKM) and grade",
    "ikm_line": "{name}: IKM {ikm}, grade {letter}, {performance}",
    "method_heading": "How it was computed",
    "method": (
        "Each configuration was simulated {replications} times (replications) over {horizon} working days of "
        "arrivals; applicants arriving in the first {warmup} working days warm the offices up and are not "
        "counted. Seed {seed}. Every configuration meets the same applicants with the same luck (common "
        "random numbers), so each difference is paired within a replication. 95% confidence intervals are "
        "Student t intervals over replications, built on the log or logit scale and carried back so that none "
        "leaves the range a metric can take; relative changes use the delta method on the log of the "
        "ratio of means. IKM as in PermenPANRB 14/2017: every simulated applicant scores the elements "
        "1-4, and the IKM is 25 times the mean score. Scenario file {file} (sha256 {sha}), simulator "
        "{version}, run ended {ended}."
    ),
    "method_illustrative": "The scenario's numbers are those of its file; check them against your own office before relying on the results.",  # noqa: E501
    "warnings_heading": "Warnings",
    "no_warnings": (
        "None: no counter or back office is busy more than 95% of the time, and no configuration loses more "
        "than 5% of applicants."
    ),
    "warning_counter": (
        "{name}: the counters of {desk} are busy {share} of opening hours; queues can keep growing, and the "
        "results depend on the length of the run."
    ),
    "warning_backoffice": (
        "{name}: the back office of {desk} is busy {share} of working time; files pile up and completion times "
        "depend on the length of the run."
    ),
    "warning_abandoned": "{name}: {share} of applicants give up before their service is complete.",
    "figure_files": "Every figure is also in the folder figures/ as PNG and SVG, with more: {names}.",
    "not_available": "n/a",
    # sentences from numbers
    "change_down": "{name} cuts {metric} from {before} to {after}{unit} ({change}; 95% CI {low} to {high}).",
    "change_up": "{name} raises {metric} from {before} to {after}{unit} ({change}; 95% CI {low} to {high}).",
    "change_same": (
        "{name} leaves {metric} about the same: {before} to {after}{unit} ({change}; 95% CI {low} to {high})."
    ),
    "change_down_bare": "{name} cuts {metric} from {before} to {after}{unit} ({change}).",
    "change_up_bare": "{name} raises {metric} from {before} to {after}{unit} ({change}).",
    "change_same_bare": "{name} leaves {metric} about the same: {before} to {after}{unit} ({change}).",
    "change_none": "{metric}: {before} under {baseline}; {after} under {name}; no paired change can be given.",
    "points": "{value} points",
    "lever_step": "Lever by lever, {name} contributes most to the shorter completion time ({delta} working days).",
    # levers in words
    "lever_front_office_agency": "each agency has its own counter",
    "lever_front_office_single": "one front office takes the whole file",
    "lever_co_located_false": "separate buildings",
    "lever_co_located_true": "all agencies in one building",
    "lever_handoff_citizen": "the applicant carries each output to the next agency",
    "lever_handoff_backoffice": "files move between back offices",
    "lever_reveal_one": "one defect named per visit",
    "lever_reveal_all": "all defects named at once",
    "lever_once_only_false": "every document asked for",
    "lever_once_only_true": "documents the government holds are not asked for again",
    "lever_delivery_in_person": "outputs picked up in person",
    "lever_delivery_digital": "outputs delivered digitally",
    "lever_online": "{share} apply online",
    "lever_counters": "{count} front-office staff",
    "lever_changes": "process changes to {what}",
    "short_lever_front_office_agency": "own counters",
    "short_lever_front_office_single": "one front office",
    "short_lever_co_located_false": "separate buildings",
    "short_lever_co_located_true": "one building",
    "short_lever_handoff_citizen": "applicant carries outputs",
    "short_lever_handoff_backoffice": "back offices pass files",
    "short_lever_reveal_one": "one defect per visit",
    "short_lever_reveal_all": "all defects at once",
    "short_lever_once_only_false": "all documents asked",
    "short_lever_once_only_true": "once only",
    "short_lever_delivery_in_person": "pickup in person",
    "short_lever_delivery_digital": "digital delivery",
    "short_lever_online": "{share} online",
    "short_lever_counters": "{count} counter staff",
    "and": "and",
    # metrics: name and unit
    "metric_wait_minutes": "the wait",
    "label_wait_minutes": "Wait",
    "unit_wait_minutes": "minutes",
    "metric_longest_wait_minutes": "the longest wait",
    "label_longest_wait_minutes": "Longest wait",
    "unit_longest_wait_minutes": "minutes",
    "metric_lead_time_days": "the completion time",
    "label_lead_time_days": "Completion time",
    "unit_lead_time_days": "working days",
    "metric_trips": "the number of trips",
    "label_trips": "Trips",
    "unit_trips": "",
    "metric_contacts": "counter contacts",
    "unit_contacts": "",
    "metric_rejections": "rejections",
    "unit_rejections": "",
    "metric_abandoned_share": "the share who give up",
    "label_abandoned_share": "Gave up",
    "unit_abandoned_share": "%",
    "metric_within_standard_share": "the share done within the service standard",
    "label_within_standard_share": "Within standard",
    "unit_within_standard_share": "%",
    "metric_ikm": "the IKM",
    "label_ikm": "IKM",
    "unit_ikm": "",
    "metric_citizen_cost": "the applicant's cost",
    "label_citizen_cost": "Applicant's cost",
    "unit_citizen_cost": "",
    "metric_staff_cost_per_case": "the staff cost per case",
    "label_staff_cost_per_case": "Staff cost per case",
    "unit_staff_cost_per_case": "",
    "column_wait_minutes": "Wait (minutes)",
    "column_lead_time_days": "Completion (working days)",
    "column_within_standard_share": "Within standard",
    "column_trips": "Trips",
    "column_ikm": "IKM (grade)",
    "column_abandoned_share": "Gave up",
    "trip_one": "{count} trip",
    "trip_many": "{count} trips",
    "rejection_one": "{count} rejection",
    "rejection_many": "{count} rejections",
    "front_office": "front office",
    # IKM of PermenPANRB 14/2017: official names, English glosses
    "element_U1": "U1 Persyaratan (requirements)",
    "element_U2": "U2 Sistem, Mekanisme, dan Prosedur (procedure)",
    "element_U3": "U3 Waktu Penyelesaian (completion time)",
    "element_U4": "U4 Biaya/Tarif (cost)",
    "element_U5": "U5 Produk Spesifikasi Jenis Pelayanan (product)",
    "element_U6": "U6 Kompetensi Pelaksana (staff competence)",
    "element_U7": "U7 Perilaku Pelaksana (staff behaviour)",
    "element_U8": "U8 Penanganan Pengaduan, Saran dan Masukan (complaints)",
    "element_U9": "U9 Sarana dan Prasarana (facilities)",
    "gloss_A": " (very good)",
    "gloss_B": " (good)",
    "gloss_C": " (poor)",
    "gloss_D": " (bad)",
    "gloss_-": "",
    # figure: journey timeline
    "timeline_title": "A typical applicant: {before} under {baseline}; {after} under {focus}",
    "timeline_title_one": "A typical applicant under {name}: {summary}",
    "timeline_summary": "{trips} and {days} working days",
    "timeline_panel": "{name}: {trips}, {rejections}, done in {days} working days",
    "timeline_none": "{name}: no completed applicants in replication 0",
    "timeline_applicant": "applicant",
    "timeline_xlabel": "working days from the applicant's first day (each day shaded)",
    "timeline_note": (
        "One applicant per configuration: the one with the median completion time (replication 0). Travel is not "
        "timed: each numbered circle is one trip from home. Approval waits (signatures, inspections) occupy "
        "nobody. Short activities are drawn {minutes} minutes wide."
    ),
    "legend_queue": "queue",
    "legend_accepted": "counter: accepted",
    "legend_rejected": "counter: rejected",
    "legend_pickup": "pickup",
    "legend_left": "left queue / sent home",
    "legend_online": "online submission",
    "legend_delivery": "digital delivery",
    "legend_backoffice": "back-office work",
    "legend_handoff": "file hand-off",
    "legend_approval": "approval wait",
    "legend_trip": "trip number",
    # figure: lead-time distribution
    "lead_title": "Done within the {days}-day standard: {before} of applicants under {baseline}, {after} under {focus}",
    "lead_title_many": "Done within the standard: {focus} does better than {baseline} in {count} of {total} services",
    "lead_xlabel": "completion time (working days)",
    "lead_xlabel_short": "working days",
    "lead_ylabel": "applicants done by then",
    "lead_standard": "standard: {days} working days",
    "lead_legend": "{name}: {share} within standard",
    "lead_within": "within standard",
    # figure: headline figures
    "headline_title": "{focus} against {baseline}: completion time {lead_before} to {lead_after} working days, trips {trips_before} to {trips_after}",  # noqa: E501
    "headline_note": "dot: mean; bar: 95% confidence interval over replications",
    "headline_wait_minutes": "wait (minutes)",
    "headline_lead_time_days": "completion time (working days)",
    "headline_trips": "trips",
    "headline_ikm": "IKM (grade bands shaded)",
    # figure: differences
    "differences_title": "Against {baseline}, {focus} {trips} and {lead}",
    "differences_xlabel": "change against {baseline} (bars: paired 95% confidence interval)",
    # figure: satisfaction
    "satisfaction_title_up": "{focus} lifts the IKM from {before} to {after}",
    "satisfaction_title_down": "{focus} lowers the IKM from {before} to {after}",
    "satisfaction_xlabel": "mean score of the element (1-4)",
    "satisfaction_legend": "{name}: IKM {ikm}",
    "satisfaction_note": (
        "Shaded: the grade an IKM at that mean score would get (A from 3.53, B from 3.06, C from 2.60)."
    ),
    # figures: queues and utilisation
    "queues_title": "Longest queue: {desk} under {name}, {queue} people waiting on average at {hour}",
    "queues_ylabel": "people waiting (mean)",
    "queues_note": "line: mean over replications; band: 95% confidence interval",
    "hour_xlabel": "hour of day",
    "utilisation_title": "Busiest counters: {desk} under {name}, busy {share} of the time at {hour}",
    "utilisation_label": "counter utilisation",
    # figure: lever by lever
    "levers_title": "Lever by lever: {name} brings the largest cut in completion time ({delta} working days)",
    "levers_title_flat": "Lever by lever: completion time and trips as each lever is added",
    "levers_start": "{name} (start)",
    "levers_step": "+ {levers} ({name})",
    "levers_end": "= {name}",
    "levers_nothing": "no lever changed",
    "levers_lead": "completion time (working days)",
    "levers_trips": "trips",
    # figure names in the folder
    "kicker": "Policy brief",
    "figure_label": "Figure {number}.",
    "pdf_footer": "{title} | servicecycle simulation",
    "pdf_left_out": "For room, this PDF leaves out {names}: they are in brief.html and in the folder figures/.",
    "pdf_table_pair": (
        "For room, this PDF's key table shows {names}, service by service; brief.html and summary.csv have "
        "every configuration and every service together."
    ),
    "name_timeline": "the typical applicant's journey",
    "name_lead_time": "completion times against the standard",
    "name_headline": "the headline figures with their intervals",
    "name_differences": "the changes against the reference",
    "name_satisfaction": "the IKM elements",
    "name_queues": "queues through the day",
    "name_utilisation": "counter utilisation by hour",
    "name_levers": "lever by lever",
    "caption_headline": "Wait, completion time, trips and IKM per configuration, with 95% intervals.",
    "caption_timeline": "The service cycle of a typical applicant, day by day.",
    "caption_lead_time": "How long applicants wait for their service, against the standard.",
    "caption_levers": "What each lever adds, from the reference to whole-of-government service.",
    "caption_differences": "Change of each configuration against the reference, with paired 95% intervals.",
    "caption_satisfaction": "The nine IKM elements, with the IKM and its grade.",
}

ID: dict[str, str] = {
    # perbandingan yang dicetak di terminal
    "text_header": "{scenario}: {configurations} pola pelayanan x {replications} replikasi, seed {seed}",
    "text_service": "Layanan: {name}",
    "text_all_services": "Semua layanan bersama",
    "text_baseline": "{name} (pembanding)",
    "text_versus": "{name} dibanding {baseline}",
    "text_interval": "[selang kepercayaan 95% {low} s.d. {high}]",
    "text_relative": "{change}, selang kepercayaan 95% {low} s.d. {high}",
    "text_unpaired": "tidak ada replikasi yang punya nilai pada keduanya, jadi tidak ada perubahan berpasangan",
    "text_partly_paired": "berpasangan pada {count} dari {total} replikasi yang punya nilai pada keduanya",
    "text_few_replications": (
        "kurang dari 5 replikasi ({count}): selang kepercayaan 95% sangat lebar dan bersandar pada pendekatan "
        "normal; gunakan --replications 5 atau lebih"
    ),
    "text_files": "berkas hasil: {folder}",
    "text_plotted": "{count} berkas ditulis di {folder} ({lang})",
    "text_sweep_header": "{scenario}: {points} titik x {configurations} pola pelayanan x {replications} replikasi",
    "text_precision_met": (
        "presisi: setiap setengah lebar selang kepercayaan 95% dari {metrics} berada dalam {target} dari "
        "rata-ratanya (atau dari batas bawahnya) mulai {needed} replikasi, diperiksa atas {ahead} replikasi "
        "berikutnya ({ran} dijalankan)"
    ),
    "text_precision_missed": (
        "presisi: tidak tercapai dalam {ran} replikasi, batas terbanyak (--max-replications); sasaran {target} "
        "dari setiap rata-rata (atau dari batas bawahnya)"
    ),
    "text_precision_miss": (
        "{name}, {metric}: rata-rata {mean}, setengah lebar selang kepercayaan 95% {half} (paling banyak {allowed})"
    ),
    "text_precision_late": (
        "setiap setengah lebar sudah dalam sasaran pada {ran}, tetapi belum untuk masa pengamatan lanjutan"
    ),
    "term_wait_minutes": "waktu tunggu",
    "term_longest_wait_minutes": "tunggu terlama",
    "term_lead_time_days": "waktu penyelesaian",
    "term_trips": "kunjungan",
    "term_contacts": "kontak di loket",
    "term_rejections": "penolakan",
    "term_abandoned_share": "berhenti mengurus",
    "term_within_standard_share": "sesuai standar",
    "term_ikm": "IKM",
    "term_citizen_cost": "biaya pemohon",
    "term_staff_cost_per_case": "biaya pegawai per berkas",
    "no_completed": "tidak ada pemohon yang selesai",
    "no_applicants": "tidak ada pemohon pada hari yang dihitung",
    "change_by_down": "menurunkan {metric} {change}",
    "change_by_up": "menaikkan {metric} {change}",
    "change_by_same": "tidak mengubah {metric}",
    "change_by_none": "{metric}: tidak ada perubahan berpasangan",
    # beberapa layanan
    "question_services": "Setiap layanan dilaporkan tersendiri: {services}.",
    "service_heading": "{name} (standar {days} hari kerja)",
    "all_services": "semua layanan bersama",
    "ikm_service_line": "{service}: {grades}",
    "warning_abandoned_service": "{name}, {service}: {share} pemohon berhenti mengurus sebelum layanannya selesai.",
    "warning_few_replications": (
        "Kurang dari 5 replikasi ({count}): selang kepercayaan 95% lebar dan bersandar pada pendekatan normal; "
        "jalankan sedikitnya 5 replikasi sebelum memakai hasilnya."
    ),
    "lead_none": "tidak ada pemohon yang selesai",
    "figure_none": "Tidak ada pemohon yang selesai pada pola pelayanan mana pun yang ditampilkan",
    "timeline_title_services": "Pemohon tipikal setiap layanan, pada pola {names}",
    "headline_title_services": (
        "{focus} dibanding {baseline}, per layanan: waktu penyelesaian lebih singkat pada {count} dari {total} layanan"
    ),
    "differences_relative": "perubahan dalam persen (skala log)",
    "differences_relative_short": "persen",
    "differences_points_short": "poin",
    "figure_services_title": "Pola {focus} dibanding {baseline}, layanan demi layanan",
    "differences_title_services": (
        "Dibanding {baseline}, pola {focus} mempersingkat waktu penyelesaian pada {count} dari {total} layanan "
        "(selang kepercayaan 95% berpasangan)"
    ),
    "differences_points": "perubahan dalam poin",
    "satisfaction_title_services": "{focus} menaikkan IKM pada {count} dari {total} layanan",
    "satisfaction_services_panel": "IKM setiap layanan",
    "satisfaction_elements_all": "Sembilan unsur, semua layanan bersama",
    # studi: sweep dan pemanasan
    "sweep_title": "{metric} menurut {path} (rata-rata dan selang kepercayaan 95%)",
    "warmup_title": "Periode pemanasan (warm-up): MSER-5 menyarankan {days} hari kerja pertama tidak dihitung",
    "warmup_suggestion": "saran periode pemanasan: {days} hari",
    "warmup_day": "hari kerja kedatangan (dari kantor kosong)",
    "brief_title": "Ringkasan kebijakan: {scenario}",
    "brief_subtitle": "Instansi yang berjalan sendiri-sendiri atau pelayanan terpadu (whole-of-government)? "
    "Simulasi pada pemohon yang sama.",
    "question_heading": "Pertanyaan",
    "question": (
        "Seberapa jauh waktu tunggu, waktu penyelesaian, jumlah kunjungan dan kepuasan (IKM) berubah bila "
        "instansi yang sama menata pelayanannya dengan cara lain? {count} pola pelayanan disimulasikan pada "
        "pemohon yang sama; {baseline} menjadi pembanding."
    ),
    "interval": "[{low}\u2013{high}]",
    "question_one": (
        "Seberapa jauh waktu tunggu, waktu penyelesaian, jumlah kunjungan dan kepuasan (IKM) berubah bila "
        "instansi yang sama menata pelayanannya dengan cara lain? Di sini hanya pola {baseline} yang "
        "disimulasikan, sehingga angkanya berdiri sendiri."
    ),
    "lead_title_one": "Selesai dalam standar {days} hari: {share} pemohon pada pola {name}",
    "lead_title_many_one": "Selesai sesuai standar setiap layanan pada pola {name}: {total} layanan, satu panel per layanan",  # noqa: E501
    "headline_title_one": "{name}: waktu penyelesaian {lead} hari kerja, {trips} kunjungan",
    "satisfaction_title_one": "IKM pada pola {name}: {ikm}",
    "configurations_heading": "Pola pelayanan yang dibandingkan",
    "configuration_baseline": "{name} (pembanding): {levers}.",
    "configuration_other": "{name}: seperti {baseline}, tetapi {levers}.",
    "configuration_same": "{name}: pengaturan yang sama dengan {baseline}.",
    "findings_heading": "Apa yang berubah",
    "table_heading": "Angka utama: rata-rata dan [selang kepercayaan 95%]",
    "table_configuration": "Pola pelayanan",
    "figures_heading": "Gambar",
    "ikm_heading": "Indeks Kepuasan Masyarakat (IKM) dan mutu pelayanan",
    "ikm_line": "{name}: IKM {ikm}, mutu {letter}, {performance}",
    "method_heading": "Cara perhitungan",
    "method": (
        "Setiap pola pelayanan disimulasikan {replications} kali (replikasi) selama {horizon} hari kerja "
        "kedatangan; pemohon yang datang pada {warmup} hari kerja pertama termasuk periode pemanasan (warm-up) "
        "dan tidak dihitung. Seed {seed}. Setiap pola melayani pemohon yang sama dengan bilangan acak bersama "
        "(common random numbers), sehingga setiap selisih dihitung berpasangan dalam satu replikasi. Selang "
        "kepercayaan 95% adalah selang Student t antarreplikasi, dihitung pada skala logaritma atau logit lalu "
        "dikembalikan, sehingga tidak pernah keluar dari rentang yang mungkin; perubahan relatif memakai metode "
        "delta pada logaritma rasio rata-rata. IKM menurut PermenPANRB 14/2017: setiap pemohon simulasi memberi "
        "nilai 1-4 pada setiap unsur, dan IKM adalah 25 kali nilai rata-rata. Berkas skenario {file} (sha256 "
        "{sha}), simulator {version}, selesai dijalankan {ended}."
    ),
    "method_illustrative": "Angka skenario adalah angka dalam berkasnya; cocokkan dengan kantor Anda sendiri sebelum memakai hasilnya.",  # noqa: E501
    "warnings_heading": "Peringatan",
    "no_warnings": (
        "Tidak ada: tidak ada loket atau back office yang sibuk lebih dari 95% waktu, dan tidak ada pola yang "
        "kehilangan lebih dari 5% pemohon."
    ),
    "warning_counter": (
        "{name}: loket {desk} sibuk {share} dari jam layanan; antrean dapat terus memanjang, dan hasilnya "
        "bergantung pada lamanya simulasi."
    ),
    "warning_backoffice": (
        "{name}: back office {desk} sibuk {share} dari jam kerja; berkas menumpuk dan waktu penyelesaian "
        "bergantung pada lamanya simulasi."
    ),
    "warning_abandoned": "{name}: {share} pemohon berhenti mengurus sebelum layanannya selesai.",
    "figure_files": "Semua gambar juga ada di folder figures/ sebagai PNG dan SVG, ditambah: {names}.",
    "not_available": "t/a",
    "change_down": (
        "{name} memangkas {metric} dari {before} menjadi {after}{unit} ({change}; selang kepercayaan 95% {low} "
        "s.d. {high})."
    ),
    "change_up": (
        "{name} menaikkan {metric} dari {before} menjadi {after}{unit} ({change}; selang kepercayaan 95% {low} "
        "s.d. {high})."
    ),
    "change_same": (
        "{name} hampir tidak mengubah {metric}: {before} menjadi {after}{unit} ({change}; selang kepercayaan 95% "
        "{low} s.d. {high})."
    ),
    "change_down_bare": "{name} memangkas {metric} dari {before} menjadi {after}{unit} ({change}).",
    "change_up_bare": "{name} menaikkan {metric} dari {before} menjadi {after}{unit} ({change}).",
    "change_same_bare": "{name} hampir tidak mengubah {metric}: {before} menjadi {after}{unit} ({change}).",
    "change_none": (
        "{metric}: {before} pada pola {baseline}; {after} pada pola {name}; perubahan berpasangan tidak dapat dihitung."
    ),
    "points": "{value} poin",
    "lever_step": "Langkah demi langkah, {name} paling banyak mempersingkat waktu penyelesaian ({delta} hari kerja).",
    "lever_front_office_agency": "setiap instansi punya loket sendiri",
    "lever_front_office_single": "satu loket terpadu menerima seluruh berkas",
    "lever_co_located_false": "gedung terpisah",
    "lever_co_located_true": "semua instansi dalam satu gedung",
    "lever_handoff_citizen": "pemohon membawa sendiri setiap hasil ke instansi berikutnya",
    "lever_handoff_backoffice": "berkas berpindah antar-back office",
    "lever_reveal_one": "satu kekurangan disebut per kunjungan",
    "lever_reveal_all": "semua kekurangan disebut sekaligus",
    "lever_once_only_false": "semua dokumen diminta",
    "lever_once_only_true": "dokumen yang sudah dimiliki pemerintah tidak diminta lagi",
    "lever_delivery_in_person": "hasil diambil sendiri di loket",
    "lever_delivery_digital": "hasil dikirim secara digital",
    "lever_online": "{share} mengajukan secara daring",
    "lever_counters": "{count} petugas loket",
    "lever_changes": "perubahan proses pada {what}",
    "short_lever_front_office_agency": "loket sendiri",
    "short_lever_front_office_single": "satu loket terpadu",
    "short_lever_co_located_false": "gedung terpisah",
    "short_lever_co_located_true": "satu gedung",
    "short_lever_handoff_citizen": "pemohon membawa hasil",
    "short_lever_handoff_backoffice": "berkas antar-back office",
    "short_lever_reveal_one": "satu kekurangan per kunjungan",
    "short_lever_reveal_all": "semua kekurangan sekaligus",
    "short_lever_once_only_false": "semua dokumen diminta",
    "short_lever_once_only_true": "sekali saja (once only)",
    "short_lever_delivery_in_person": "diambil di loket",
    "short_lever_delivery_digital": "kirim digital",
    "short_lever_online": "{share} daring",
    "short_lever_counters": "{count} petugas loket",
    "and": "dan",
    "metric_wait_minutes": "waktu tunggu",
    "label_wait_minutes": "Waktu tunggu",
    "label_longest_wait_minutes": "Tunggu terlama",
    "label_lead_time_days": "Waktu penyelesaian",
    "label_trips": "Kunjungan",
    "label_citizen_cost": "Biaya pemohon",
    "label_staff_cost_per_case": "Biaya pegawai per berkas",
    "unit_wait_minutes": "menit",
    "metric_longest_wait_minutes": "tunggu terlama",
    "unit_longest_wait_minutes": "menit",
    "metric_lead_time_days": "waktu penyelesaian",
    "unit_lead_time_days": "hari kerja",
    "metric_trips": "jumlah kunjungan",
    "unit_trips": "",
    "metric_contacts": "kontak di loket",
    "unit_contacts": "",
    "metric_rejections": "penolakan berkas",
    "unit_rejections": "",
    "metric_abandoned_share": "porsi yang berhenti mengurus",
    "label_abandoned_share": "Berhenti mengurus",
    "unit_abandoned_share": "%",
    "metric_within_standard_share": "porsi yang selesai sesuai standar pelayanan",
    "label_within_standard_share": "Sesuai standar",
    "unit_within_standard_share": "%",
    "metric_ikm": "IKM",
    "label_ikm": "IKM",
    "unit_ikm": "",
    "metric_citizen_cost": "biaya pemohon",
    "unit_citizen_cost": "",
    "metric_staff_cost_per_case": "biaya pegawai per berkas",
    "unit_staff_cost_per_case": "",
    "column_wait_minutes": "Waktu tunggu (menit)",
    "column_lead_time_days": "Selesai dalam (hari kerja)",
    "column_within_standard_share": "Sesuai standar",
    "column_trips": "Kunjungan",
    "column_ikm": "IKM (mutu)",
    "column_abandoned_share": "Berhenti mengurus",
    "trip_one": "{count} kunjungan",
    "trip_many": "{count} kunjungan",
    "rejection_one": "{count} penolakan",
    "rejection_many": "{count} penolakan",
    "front_office": "loket terpadu",
    "element_U1": "U1 Persyaratan",
    "element_U2": "U2 Sistem, Mekanisme, dan Prosedur",
    "element_U3": "U3 Waktu Penyelesaian",
    "element_U4": "U4 Biaya/Tarif",
    "element_U5": "U5 Produk Spesifikasi Jenis Pelayanan",
    "element_U6": "U6 Kompetensi Pelaksana",
    "element_U7": "U7 Perilaku Pelaksana",
    "element_U8": "U8 Penanganan Pengaduan, Saran dan Masukan",
    "element_U9": "U9 Sarana dan Prasarana",
    "gloss_A": "",
    "gloss_B": "",
    "gloss_C": "",
    "gloss_D": "",
    "gloss_-": "",
    "timeline_title": "Pemohon tipikal: {before} pada pola {baseline}; {after} pada pola {focus}",
    "timeline_title_one": "Pemohon tipikal pada pola {name}: {summary}",
    "timeline_summary": "{trips} dan {days} hari kerja",
    "timeline_panel": "{name}: {trips}, {rejections}, selesai dalam {days} hari kerja",
    "timeline_none": "{name}: tidak ada pemohon yang selesai pada replikasi 0",
    "timeline_applicant": "pemohon",
    "timeline_xlabel": "hari kerja sejak hari pertama pemohon (setiap hari diarsir)",
    "timeline_note": (
        "Satu pemohon per pola: yang waktu penyelesaiannya median pada replikasi 0. Perjalanan tidak dicatat "
        "waktunya: setiap lingkaran bernomor adalah satu kunjungan dari rumah. Menunggu persetujuan tidak "
        "memakai petugas (tanda tangan, pemeriksaan). Kegiatan singkat digambar selebar minimal {minutes} menit."
    ),
    "legend_queue": "antrean",
    "legend_accepted": "loket: diterima",
    "legend_rejected": "loket: ditolak",
    "legend_pickup": "pengambilan hasil",
    "legend_left": "keluar antrean / disuruh pulang",
    "legend_online": "pengajuan daring",
    "legend_delivery": "pengiriman digital",
    "legend_backoffice": "pekerjaan back office",
    "legend_handoff": "pelimpahan berkas",
    "legend_approval": "menunggu persetujuan",
    "legend_trip": "nomor kunjungan",
    "lead_title": "Selesai dalam standar {days} hari: {before} pemohon pada pola {baseline}, {after} pada pola {focus}",
    "lead_title_many": "Selesai sesuai standar: pola {focus} lebih baik daripada {baseline} pada {count} dari {total} layanan",  # noqa: E501
    "lead_xlabel": "waktu penyelesaian (hari kerja)",
    "lead_xlabel_short": "hari kerja",
    "lead_ylabel": "sudah selesai",
    "lead_standard": "standar: {days} hari kerja",
    "lead_legend": "{name}: {share} sesuai standar",
    "lead_within": "sesuai standar",
    "headline_title": "{focus} dibanding {baseline}: waktu penyelesaian {lead_before} menjadi {lead_after} hari kerja, kunjungan {trips_before} menjadi {trips_after}",  # noqa: E501
    "headline_note": "titik: rata-rata; garis: selang kepercayaan 95% antarreplikasi",
    "headline_wait_minutes": "waktu tunggu (menit)",
    "headline_lead_time_days": "waktu penyelesaian (hari kerja)",
    "headline_trips": "kunjungan",
    "headline_ikm": "IKM (arsir: mutu pelayanan)",
    "differences_title": "Dibanding {baseline}, {focus} {trips} dan {lead}",
    "differences_xlabel": "perubahan dibanding {baseline} (garis: selang kepercayaan 95% berpasangan)",
    "satisfaction_title_up": "{focus} menaikkan IKM dari {before} menjadi {after}",
    "satisfaction_title_down": "{focus} menurunkan IKM dari {before} menjadi {after}",
    "satisfaction_xlabel": "nilai rata-rata unsur (1-4)",
    "satisfaction_legend": "{name}: IKM {ikm}",
    "satisfaction_note": (
        "Arsir: mutu pelayanan bila IKM bernilai rata-rata tersebut (A mulai 3,53, B mulai 3,06, C mulai 2,60)."
    ),
    "queues_title": "Antrean terpanjang: {desk} pada pola {name}, rata-rata {queue} orang menunggu pukul {hour}",
    "queues_ylabel": "orang yang menunggu (rata-rata)",
    "queues_note": "garis: rata-rata antarreplikasi; pita: selang kepercayaan 95%",
    "hour_xlabel": "jam",
    "utilisation_title": "Loket tersibuk: {desk} pada pola {name}, sibuk {share} dari waktu pukul {hour}",
    "utilisation_label": "utilisasi loket",
    "levers_title": "Langkah demi langkah: {name} paling banyak memangkas waktu penyelesaian ({delta} hari kerja)",
    "levers_title_flat": "Langkah demi langkah: waktu penyelesaian dan kunjungan setiap kali satu langkah ditambahkan",
    "levers_start": "{name} (awal)",
    "levers_step": "+ {levers} ({name})",
    "levers_end": "= {name}",
    "levers_nothing": "tidak ada pengaturan yang berubah",
    "levers_lead": "waktu penyelesaian (hari kerja)",
    "levers_trips": "kunjungan",
    "kicker": "Ringkasan kebijakan",
    "figure_label": "Gambar {number}.",
    "pdf_footer": "{title} | simulasi servicecycle",
    "pdf_left_out": "Agar muat, PDF ini tidak memuat {names}: semuanya ada di brief.html dan di folder figures/.",
    "pdf_table_pair": (
        "Agar muat, tabel angka utama dalam PDF ini hanya memuat {names}, per layanan; brief.html dan "
        "summary.csv memuat semua pola pelayanan dan semua layanan bersama."
    ),
    "name_timeline": "perjalanan pemohon tipikal",
    "name_lead_time": "waktu penyelesaian dibanding standar",
    "name_headline": "angka utama dengan selangnya",
    "name_differences": "perubahan dibanding pola pembanding",
    "name_satisfaction": "unsur-unsur IKM",
    "name_queues": "antrean sepanjang hari",
    "name_utilisation": "utilisasi loket per jam",
    "name_levers": "langkah demi langkah",
    "caption_headline": "Waktu tunggu, waktu penyelesaian, kunjungan dan IKM per pola, dengan selang 95%.",
    "caption_timeline": "Siklus pelayanan seorang pemohon tipikal, hari demi hari.",
    "caption_lead_time": "Berapa lama pemohon menunggu layanannya, dibanding standar pelayanan.",
    "caption_levers": "Sumbangan setiap langkah pembenahan, dari pola pembanding sampai pelayanan terpadu.",
    "caption_differences": (
        "Perubahan setiap pola dibanding pola pembanding, dengan selang kepercayaan 95% berpasangan."
    ),
    "caption_satisfaction": "Sembilan unsur IKM, dengan nilai IKM dan mutu pelayanannya.",
}

SWAP_SEPARATORS = str.maketrans(",.", ".,")
WORDS: dict[str, dict[str, str]] = {"en": EN, "id": ID}
LANGUAGES = tuple(WORDS)


@dataclass(frozen=True)
class Language:
    """The words and number formats of one language."""

    code: str
    words: Mapping[str, str]

    def say(self, key: str, **values: Any) -> str:
        """The text `key`, with `values` filled in."""
        return self.words[key].format(**values)

    def localise(self, number_text: str) -> str:
        """An English-formatted number ('1,234.5') with this language's separators ('1.234,5').

        A zero rounded from a tiny negative loses its sign: '-0.0%' -> '0.0%'.
        """
        if number_text.startswith("-") and not any(digit in "123456789" for digit in number_text):
            number_text = number_text[1:]
        if self.code == "id":
            return number_text.translate(SWAP_SEPARATORS)
        return number_text

    def number(self, number: float, digits: int = 1, signed: bool = False) -> str:
        """A number with `digits` decimals (and thousands separators)."""
        if math.isnan(number):
            return self.say("not_available")
        return self.localise(f"{number:{'+' if signed else ''},.{digits}f}")

    def percent(self, share: float, signed: bool = False, digits: int = 0) -> str:
        """A share as per cent: 0.123 -> '12%'."""
        if math.isnan(share):
            return self.say("not_available")
        return f"{self.number(100 * share, digits, signed)}%"

    def value(self, metric: str, number: float, graded: bool = True) -> str:
        """A metric's value, in this language; 'no completed applicants' where only completions give it one."""
        if math.isnan(number):
            return self.say("no_completed" if metric in NEEDS_COMPLETION else "not_available")
        return self.localise(value(metric, number, graded))

    def term(self, metric: str) -> str:
        """A metric's short name on the terminal: 'lead time', 'waktu penyelesaian'."""
        return self.words.get(f"term_{metric}") or metric.replace("_", " ")

    def metric(self, metric: str) -> str:
        return self.say(f"metric_{metric}")

    def metric_label(self, metric: str) -> str:
        """A metric's name as an axis or row label: 'Lead time', 'IKM'."""
        name = self.words.get(f"label_{metric}") or self.metric(metric)
        return name[:1].upper() + name[1:]

    def unit(self, metric: str) -> str:
        return self.say(f"unit_{metric}")

    def count(self, noun: str, count: int) -> str:
        """'1 trip', '3 trips'."""
        return self.say(f"{noun}_{'one' if count == 1 else 'many'}", count=count)

    def element(self, element: str) -> str:
        """An IKM element by its official name (with an English gloss in English)."""
        return self.words.get(f"element_{element}", element)

    def grade(self, ikm: float, glossed: bool = True) -> tuple[str, str]:
        """The grade letter of an IKM and its official performance name ('Baik'), glossed in English."""
        letter, performance = grade(ikm)
        return letter, performance + (self.say(f"gloss_{letter}") if glossed else "")

    def desk(self, desk: str) -> str:
        """A desk as a reader knows it: an agency id, or the pooled front office."""
        return self.say("front_office") if desk == "front_office" else desk.replace("_", " ")

    def listing(self, items: list[str]) -> str:
        """'a, b and c'."""
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.say('and')} {items[-1]}"

    def change(self, metric: str, row: Mapping[str, Any]) -> tuple[str, str, str]:
        """A comparison row's change and its 95% interval, as (change, low, high).

        In points for shares and the IKM, in per cent for the rest, and in the
        metric's own unit when the baseline is zero (no per cent exists). A
        missing bound is 'n/a'.
        """
        if metric in POINTS:
            scale = 100 if metric.endswith("_share") else 1
            shown = (self.number(scale * float(row[k]), 1, signed=True) for k in ("difference", "ci_low", "ci_high"))
            change, low, high = shown
            return self.say("points", value=change), low, high
        if not math.isnan(float(row["relative_change"])):
            keys = ("relative_change", "relative_ci_low", "relative_ci_high")
            change, low, high = (self.percent(float(row[k]), signed=True) for k in keys)
            return change, low, high
        unit = self.unit(metric)
        change, low, high = (self.signed_value(metric, float(row[k])) for k in ("difference", "ci_low", "ci_high"))
        return f"{change} {unit}".strip(), low, high

    def signed_value(self, metric: str, number: float) -> str:
        """A difference of a metric, signed: '+0.12', '-3.40'."""
        if math.isnan(number):
            return self.say("not_available")
        text = value(metric, abs(number), graded=False)
        return self.localise(("-" if number < 0 else "+") + text)

    def direction(self, metric: str, row: Mapping[str, Any]) -> str:
        """The change of a comparison row as a verb phrase: 'cuts the number of trips by 69%'.

        'leaves ... unchanged' when the paired interval holds zero; no sign in
        the number, the verb says the direction.
        """
        difference, low, high = (float(row[k]) for k in ("difference", "ci_low", "ci_high"))
        name = self.metric(metric)
        if math.isnan(difference):
            return self.say("change_by_none", metric=name)
        if difference == 0 or (not math.isnan(low) and low <= 0 <= high):
            return self.say("change_by_same", metric=name)
        relative = float(row["relative_change"])
        if metric in POINTS or math.isnan(relative):
            change = self.change(metric, {**row, "difference": abs(difference), "ci_low": 0.0, "ci_high": 0.0})[0]
            change = change.lstrip("+")
        else:
            change = self.percent(abs(relative))
        return self.say("change_by_down" if difference < 0 else "change_by_up", metric=name, change=change)


def language(code: str) -> Language:
    """The language of code 'en' or 'id'."""
    if code not in WORDS:
        raise ValueError(f"unknown language {code!r} (expected one of: {', '.join(LANGUAGES)})")
    return Language(code, WORDS[code])
