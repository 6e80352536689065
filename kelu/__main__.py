from kelu.cli import main

raise SystemExit(main())
