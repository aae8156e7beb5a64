from flashcrowd.cli import main

raise SystemExit(main())
