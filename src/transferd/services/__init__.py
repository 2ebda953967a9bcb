"""The rules: transfers, boards, uploads and the sweeper. Routes call these; these call the stores."""
