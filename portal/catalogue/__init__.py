"""公开目录 (国办发〔2019〕54号): what must be disclosed, by whom, when and where; and the
公开指南 of each organization."""
