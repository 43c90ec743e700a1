import './base.css';
import './datasets.css';
import './models.css';
import './drift.css';
