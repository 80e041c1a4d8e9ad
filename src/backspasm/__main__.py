from backspasm.cli import main

main()
