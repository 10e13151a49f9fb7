"""The fault suite's machinery (bench/faults.py): the stack it starts, the providers' stand-ins it counts
messages in, the traffic it sends, the ledger it keeps, and its scenarios (scenarios/, one module each). A
folder, so `make bench` (every bench/*.py) does not run these modules as benchmarks of their own."""
