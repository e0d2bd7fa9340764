from bench.seed.cli import main

main()
