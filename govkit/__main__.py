from govkit.quick import main

main()
