"""FCU's benchmark: `python -m bench` (or `make bench`) prints one table of medians and ratios.

What it measures, for feeds of 1,000, 10,000 and 100,000 tenants (`python -m fcu sample`,
cached in bench/.cache/feed-N), all in one run so that the ratios are comparable:

- **load**: `python -m fcu --db <fresh file> load feed-N` (wall time, peak RSS of the process
  from the kernel's rusage) against the bare floor, a subprocess that runs DuckDB's own
  `CREATE TABLE t AS SELECT * FROM read_csv('<file>')` for each of the seven files into a
  fresh file with default settings. One extra, in-process load times each step of
  `fcu.feed.load_feed` and each SQL statement it runs (the "load steps" table).
- **reports**: the same sample as partner P1's Partner Center reports (`python -m fcu sample
  --format partner-center`, cached in bench/.cache/reports-N): `python -m fcu --db <fresh
  file> load reports-N --partner P1` against its own floor, DuckDB's `CREATE TABLE t AS
  SELECT * FROM read_csv('<file>')` of each of the six files it reads.
- **Tenants page**: AppTest of dashboard.py signed in (demo mode) as admin@northwind.example,
  an entire-organisation executive of P1; the rerun after the Usage % slider moves (a new
  lower bound each time). Floor: the page's own query alone (`portfolio.tenants(limit=50)` +
  `portfolio.kpis`, same filters) plus a bare Streamlit rerun (AppTest of bench/bare_page.py),
  timed in the same loop. Baseline: bench/baseline_page.py, a plain pandas page, same slider
  change, in its own process (its peak RSS is reported too).
- **first open**: a fresh process that builds the AppTest of dashboard.py and runs it once,
  timed from just before the process is spawned to the end of that first run; the same for
  bench/bare_page.py gives the interpreter + Streamlit import baseline; the net figure is the
  difference.
- **Tenant details** rerun (?tenant=<first visible tenant>), **Download CSV** (the bytes of
  `fcu.export.tenants_csv` for a Usage % filter that keeps about 25,000 rows at 100k tenants,
  all rows at smaller sizes), and the **app's peak memory**: the peak RSS of one subprocess
  that browses through AppTest (Tenants, three filter changes, next page, a tenant, its CSV,
  Referrals, Earnings, back) — AppTest in-process rather than `streamlit run` + a browser,
  so the figure excludes the Tornado server and websocket buffers. The browse's step "open
  earnings" is the **Earnings first open** in a fresh app process (nothing cached yet).
- **Referrals** rerun (the "Not accepted in 7 days" filter toggled) and **Earnings** rerun
  (the what-if slider moved to another step), in the same loop as the Tenants reruns, so
  that every page's rerun is in the table.

Timings are wall-clock medians with [min-max] of the samples beside them; the machine is
shared, so the table prints the load average.
Options: `--sizes 1000,10000`, `--repeat K`, `--load-repeat K`, `--skip baseline,phases,...`.
"""
