from deptnews.cli import main

raise SystemExit(main())
