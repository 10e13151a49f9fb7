"""What administrators see of the service: how consumers are served (service), where agents are missing
(coverage), how agents answer (responsiveness) and what came of accepted referrals (outcomes).

Each figure is a handful of aggregate queries over a period, whatever the size of the history; the
admin pages (views) only arrange them. Periods and hours of day are read in a time zone the viewer picks.
"""
