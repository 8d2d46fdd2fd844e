from simulator.cli import main

if __name__ == "__main__":  # worker processes that re-import this file must not run it
    raise SystemExit(main())
